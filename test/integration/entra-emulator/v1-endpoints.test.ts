// The v1 protocol endpoints (docs/reference/entra-id.md §1.3): `/{t}/oauth2/token`, `/authorize`, `/devicecode`, `/logout`.
// v1 bodies carry STRING numbers and `resource` (§3.3, §4.1); the access token's version still follows the
// resource's registration (§1.5); the ID token follows the endpoint (§1.5). No MSAL here: plain HTTP only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entraId } from "../../../src/index.js";
import { approveDeviceLogin, signInThroughSignInPage } from "../../support/entra-login.js";
import {
  claimsOf,
  expectEntraError,
  get,
  type HttpAnswer,
  postForm,
  REDIRECT_URI,
  startWorld,
  type World,
} from "./world.js";

let world: World;
const clock = Date.now();

beforeAll(async () => {
  world = await startWorld({ now: () => clock });
});
afterAll(() => world.entra.close());

const v1 = (path: string, tenant = world.tenant.id) => `${world.entra.authority(tenant)}/oauth2/${path}`;

function appToken(resource: string, extra: Record<string, string> = {}): Promise<HttpAnswer> {
  return postForm(v1("token"), {
    grant_type: "client_credentials",
    client_id: world.daemon.clientId,
    client_secret: "daemon-secret",
    resource,
    ...extra,
  });
}

/** §3.3 field by field: numbers as decimal strings, `expires_on` = now + `expires_in`, `not_before` ≤ now. */
function expectV1Numbers(body: Record<string, unknown>, nowMs: number): void {
  for (const field of ["expires_in", "ext_expires_in", "expires_on", "not_before"]) {
    expect(typeof body[field], field).toBe("string");
    expect(body[field], field).toMatch(/^\d+$/);
  }
  const now = Math.floor(nowMs / 1000);
  expect(Number(body.expires_on)).toBe(now + Number(body.expires_in));
  expect(Number(body.not_before)).toBeLessThanOrEqual(now);
  expect(Number(body.expires_in)).toBeGreaterThan(0);
}

async function v1SignIn(params: Record<string, string> = {}) {
  const url = new URL(v1("authorize"));
  const query = {
    client_id: world.web.clientId,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    resource: world.apiV1.identifierUri,
    scope: "openid",
    state: "st-v1",
    nonce: "n-v1",
    ...params,
  };
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const outcome = await signInThroughSignInPage(
    url.href,
    { username: world.user.userPrincipalName, password: world.password },
    { redirectUriPrefix: REDIRECT_URI },
  );
  if (!("callbackUrl" in outcome)) throw new Error(`sign-in refused: ${outcome.error}`);
  return new URL(outcome.callbackUrl).searchParams;
}

async function v1CodeFlow(params: Record<string, string> = {}, redeem: Record<string, string> = {}) {
  const callback = await v1SignIn(params);
  const code = callback.get("code");
  if (!code) throw new Error(`no code: ${callback}`);
  return postForm(v1("token"), {
    grant_type: "authorization_code",
    client_id: world.web.clientId,
    client_secret: "web-secret",
    code,
    redirect_uri: REDIRECT_URI,
    ...redeem,
  });
}

describe("client credentials with resource= (§1.3, §1.5, §3.3)", () => {
  it("a v1 API: the v1 body, a v1 token issued by the v1 issuer, aud = the resource as sent", async () => {
    const result = await appToken(world.apiV1.identifierUri);
    expect(result.status, result.text).toBe(200);
    expect(Object.keys(result.json)).toEqual([
      "token_type",
      "expires_in",
      "ext_expires_in",
      "expires_on",
      "not_before",
      "resource",
      "access_token",
    ]);
    expect(result.json.token_type).toBe("Bearer");
    expect(result.json.resource).toBe(world.apiV1.identifierUri);
    expectV1Numbers(result.json, clock);
    const { header, claims } = claimsOf(result.json.access_token);
    expect(header.x5t).toBe(header.kid); // §5.1: x5t on v1 tokens
    expect(claims).toMatchObject({
      ver: "1.0",
      iss: `${world.entra.v1IssuerBase}/${world.tenant.id}/`,
      aud: world.apiV1.identifierUri,
      appid: world.daemon.clientId,
      tid: world.tenant.id,
    });
    expect(claims.iss).toBe(world.entra.issuerV1(world.tenant.id));
    expect(claims.exp).toBe(Math.floor(clock / 1000) + Number(result.json.expires_in) + 1);
  });

  it("a v2 API: the v1 body still, but a v2 token — the resource chooses the version (§1.5)", async () => {
    const result = await appToken(world.apiV2.identifierUri);
    expect(result.status, result.text).toBe(200);
    expect(result.json.resource).toBe(world.apiV2.identifierUri);
    expectV1Numbers(result.json, clock);
    const { header, claims } = claimsOf(result.json.access_token);
    expect(header.x5t).toBeUndefined();
    expect(claims).toMatchObject({
      ver: "2.0",
      iss: `${world.entra.url}/${world.tenant.id}/v2.0`,
      aud: world.apiV2.clientId,
      azp: world.daemon.clientId,
    });
  });

  it("without resource= it is 900144 naming `resource`", async () => {
    const result = await postForm(v1("token"), {
      grant_type: "client_credentials",
      client_id: world.daemon.clientId,
      client_secret: "daemon-secret",
      scope: `${world.apiV1.identifierUri}/.default`,
    });
    const body = expectEntraError(expect, result, 400, "invalid_request", 900144);
    expect(body.error_description).toContain("'resource'");
  });
});

describe("authorization code through the sign-in page (§1.3, §2, §3.3)", () => {
  it("authorize with resource=, redeem at the v1 token endpoint: every §3.3 field, a v1 ID token", async () => {
    const result = await v1CodeFlow();
    expect(result.status, result.text).toBe(200);
    expect(Object.keys(result.json)).toEqual([
      "token_type",
      "scope",
      "expires_in",
      "ext_expires_in",
      "expires_on",
      "not_before",
      "resource",
      "access_token",
      "refresh_token",
      "id_token",
    ]);
    expect(result.json).toMatchObject({
      token_type: "Bearer",
      scope: "user_impersonation",
      resource: world.apiV1.identifierUri,
    });
    expect(result.json).not.toHaveProperty("client_info");
    expectV1Numbers(result.json, clock);
    expect(typeof result.json.refresh_token).toBe("string");

    const access = claimsOf(result.json.access_token).claims;
    expect(access).toMatchObject({
      ver: "1.0",
      iss: world.entra.issuerV1(world.tenant.id),
      aud: world.apiV1.identifierUri,
      appid: world.web.clientId,
      appidacr: "1",
      oid: world.user.oid,
      scp: "user_impersonation",
      upn: world.user.userPrincipalName,
    });

    // §1.5: "v1 endpoint → v1 ID token (iss=https://sts.windows.net/<tid>/, ver 1.0)".
    const id = claimsOf(result.json.id_token);
    expect(id.header.x5t).toBe(id.header.kid);
    expect(id.claims).toMatchObject({
      ver: "1.0",
      iss: world.entra.issuerV1(world.tenant.id),
      aud: world.web.clientId,
      nonce: "n-v1",
      oid: world.user.oid,
      tid: world.tenant.id,
      unique_name: world.user.userPrincipalName,
      upn: world.user.userPrincipalName,
      given_name: "Ada",
      family_name: "Lovelace",
    });
    expect(id.claims).not.toHaveProperty("preferred_username");
  });

  it("without scope=openid there is no ID token; a v2 API's token is v2", async () => {
    const result = await v1CodeFlow({ scope: "", resource: world.apiV2.identifierUri });
    expect(result.status, result.text).toBe(200);
    expect(result.json).not.toHaveProperty("id_token");
    expect(result.json.resource).toBe(world.apiV2.identifierUri);
    expect(claimsOf(result.json.access_token).claims).toMatchObject({
      ver: "2.0",
      aud: world.apiV2.clientId,
      azp: world.web.clientId,
    });
  });

  it("the authorize endpoint without resource= redirects invalid_request 900144", async () => {
    const url = new URL(v1("authorize"));
    const query = {
      client_id: world.web.clientId,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      state: "s",
    };
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const result = await get(url.href);
    expect(result.status).toBe(302);
    const location = new URL(result.headers.get("location") ?? "");
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("error_description")).toMatch(/^AADSTS900144: .*'resource'/);
    expect(location.searchParams.get("state")).toBe("s");
  });
});

describe("refresh with resource= (§3.1: refresh tokens are not bound to a resource)", () => {
  it("redeems the refresh token for the same and for another resource, v1 body each time", async () => {
    const first = await v1CodeFlow();
    expect(first.status, first.text).toBe(200);
    const refresh = (resource: string | undefined) =>
      postForm(v1("token"), {
        grant_type: "refresh_token",
        client_id: world.web.clientId,
        client_secret: "web-secret",
        refresh_token: first.json.refresh_token,
        ...(resource === undefined ? {} : { resource }),
      });

    const same = await refresh(undefined);
    expect(same.status, same.text).toBe(200);
    expect(same.json.resource).toBe(world.apiV1.identifierUri);
    expectV1Numbers(same.json, clock);
    expect(same.json.refresh_token).not.toBe(first.json.refresh_token); // §3.2: a new RT each use

    const other = await refresh(world.apiV2.identifierUri);
    expect(other.status, other.text).toBe(200);
    expect(other.json.resource).toBe(world.apiV2.identifierUri);
    expectV1Numbers(other.json, clock);
    expect(claimsOf(other.json.access_token).claims).toMatchObject({ ver: "2.0", aud: world.apiV2.clientId });
  });
});

describe("device code (§4.1 v1 variant)", () => {
  it("answers verification_url and string numbers; polling the v1 token endpoint gives a v1 body", async () => {
    const started = await postForm(v1("devicecode"), {
      client_id: world.cli.clientId,
      resource: world.apiV1.identifierUri,
    });
    expect(started.status, started.text).toBe(200);
    expect(Object.keys(started.json).sort()).toEqual(
      ["device_code", "expires_in", "interval", "message", "user_code", "verification_url"].sort(),
    );
    expect(started.json).toMatchObject({
      verification_url: `${world.entra.url}/devicelogin`,
      expires_in: "900",
      interval: "5",
    });
    expect(started.json).not.toHaveProperty("verification_uri");
    const poll = () =>
      postForm(v1("token"), {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        client_id: world.cli.clientId,
        device_code: started.json.device_code,
      });
    expectEntraError(expect, await poll(), 400, "authorization_pending", 70016);
    await approveDeviceLogin(world.entra.url, started.json.user_code, {
      username: world.user.userPrincipalName,
      password: world.password,
    });
    const result = await poll();
    expect(result.status, result.text).toBe(200);
    expect(result.json.resource).toBe(world.apiV1.identifierUri);
    expectV1Numbers(result.json, clock);
    expect(typeof result.json.refresh_token).toBe("string");
    expect(claimsOf(result.json.access_token).claims).toMatchObject({
      ver: "1.0",
      appid: world.cli.clientId,
      appidacr: "0",
      oid: world.user.oid,
    });
  });

  it("v1 devicecode without resource= is 900144 naming `resource`", async () => {
    const result = await postForm(v1("devicecode"), { client_id: world.cli.clientId });
    expect(expectEntraError(expect, result, 400, "invalid_request", 900144).error_description).toContain(
      "'resource'",
    );
  });
});

describe("error bodies at the v1 token endpoint (§6.1, §6.4, §6.5)", () => {
  it("a disabled user: 400 invalid_grant 50057 on refresh, the §6.1 shape", async () => {
    const w = await startWorld();
    try {
      const url = `${w.entra.authority(w.tenant.id)}/oauth2/authorize?${new URLSearchParams({
        client_id: w.web.clientId,
        response_type: "code",
        redirect_uri: REDIRECT_URI,
        resource: w.apiV1.identifierUri,
      })}`;
      const outcome = await signInThroughSignInPage(
        url,
        { username: w.user.userPrincipalName, password: w.password },
        { redirectUriPrefix: REDIRECT_URI },
      );
      if (!("callbackUrl" in outcome)) throw new Error(outcome.error);
      const token = `${w.entra.authority(w.tenant.id)}/oauth2/token`;
      const tokens = await postForm(token, {
        grant_type: "authorization_code",
        client_id: w.web.clientId,
        client_secret: "web-secret",
        code: new URL(outcome.callbackUrl).searchParams.get("code") ?? "",
        redirect_uri: REDIRECT_URI,
      });
      expect(tokens.status, tokens.text).toBe(200);
      w.entra.setUserState(w.user.oid, "disabled");
      const result = await postForm(token, {
        grant_type: "refresh_token",
        client_id: w.web.clientId,
        client_secret: "web-secret",
        refresh_token: tokens.json.refresh_token,
        resource: w.apiV1.identifierUri,
      });
      const body = expectEntraError(expect, result, 400, "invalid_grant", 50057);
      expect(body.error_description).toMatch(/^AADSTS50057: The user account is disabled\./);
      expect(body).not.toHaveProperty("suberror");
    } finally {
      await w.entra.close();
    }
  });

  it("an expired secret: 401 invalid_client 7000222", async () => {
    const app = world.entra.addApp({ tenantId: world.tenant.id, secret: "old" });
    world.entra.setAppState(app.clientId, "secret_expired");
    const result = await appToken(world.apiV1.identifierUri, {
      client_id: app.clientId,
      client_secret: "old",
    });
    const body = expectEntraError(expect, result, 401, "invalid_client", 7000222);
    expect(result.headers.get("x-ms-clitelem")).toBe("1,7000222,0,,");
    expect(body.error_uri).toBe(`${world.entra.url}/error?code=7000222`);
  });

  it("MFA required: v1 says interaction_required where v2 says invalid_grant, same suberror (§6.5)", async () => {
    const w = await startWorld();
    try {
      const base = w.entra.authority(w.tenant.id);
      const signIn = await signInThroughSignInPage(
        `${base}/oauth2/authorize?${new URLSearchParams({
          client_id: w.web.clientId,
          response_type: "code",
          redirect_uri: REDIRECT_URI,
          resource: w.apiV1.identifierUri,
        })}`,
        { username: w.user.userPrincipalName, password: w.password },
        { redirectUriPrefix: REDIRECT_URI },
      );
      if (!("callbackUrl" in signIn)) throw new Error(signIn.error);
      const tokens = await postForm(`${base}/oauth2/token`, {
        grant_type: "authorization_code",
        client_id: w.web.clientId,
        client_secret: "web-secret",
        code: new URL(signIn.callbackUrl).searchParams.get("code") ?? "",
        redirect_uri: REDIRECT_URI,
      });
      w.entra.setUserState(w.user.oid, "mfa_required");
      const form = {
        grant_type: "refresh_token",
        client_id: w.web.clientId,
        client_secret: "web-secret",
        refresh_token: tokens.json.refresh_token,
      };
      const atV1 = await postForm(`${base}/oauth2/token`, form);
      const atV2 = await postForm(`${base}/oauth2/v2.0/token`, form);
      expect(expectEntraError(expect, atV1, 400, "interaction_required", 50076).suberror).toBe(
        "basic_action",
      );
      expect(expectEntraError(expect, atV2, 400, "invalid_grant", 50076).suberror).toBe("basic_action");
    } finally {
      await w.entra.close();
    }
  });
});

describe("logout (§1.3, §2.4)", () => {
  it("/oauth2/logout ends the session and returns to a registered post_logout_redirect_uri", async () => {
    const result = await get(
      `${v1("logout")}?${new URLSearchParams({ post_logout_redirect_uri: REDIRECT_URI, state: "bye" })}`,
    );
    expect(result.status).toBe(302);
    expect(result.headers.get("location")).toBe(`${REDIRECT_URI}?state=bye`);
    expect(result.headers.get("set-cookie")).toMatch(/^ESTSAUTH=;/);
  });
});

describe("the two worlds meet: idswitch's entraId provider (v2 endpoints) verifies v1 tokens", () => {
  it("an app token and a user token minted at the v1 endpoints for a v1 API", async () => {
    const provider = entraId({
      id: "entra",
      tenantId: world.tenant.id,
      authority: world.entra.url,
      v1IssuerBase: world.entra.v1IssuerBase,
      clientId: world.daemon.clientId,
      clientSecret: "daemon-secret",
    });
    const audience = [world.apiV1.identifierUri, world.apiV1.clientId];
    const app = await appToken(world.apiV1.identifierUri);
    expect(app.status, app.text).toBe(200);
    const principal = await provider.verifyAccessToken(app.json.access_token, { audience });
    expect(principal).toMatchObject({ issuer: provider.issuers.v1, tenant: world.tenant.id });

    const user = await v1CodeFlow();
    expect(user.status, user.text).toBe(200);
    const person = await provider.verifyAccessToken(user.json.access_token, { audience });
    expect(person).toMatchObject({ issuer: world.entra.issuerV1(world.tenant.id), tenant: world.tenant.id });
  });
});
