// On-behalf-of (docs/reference/entra-id.md §3.5): a middle-tier API trades the access token it was called
// with for a token to a downstream API, over real HTTP; and Entra's answers when it refuses.
import { generateKeyPairSync } from "node:crypto";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EntraApp } from "../../../src/testing/index.js";
import {
  claimsOf,
  codeFlow,
  expectEntraError,
  get,
  postForm,
  startWorld,
  tokenUrl,
  type World,
} from "./world.js";

const OBO = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const MIDDLE_SECRET = "middle-secret";
const POLICY_ID = "6c7a1b2c-0000-4000-8000-00000000ca01";

let world: World;
let middle: EntraApp;
let downstream: EntraApp;
let other: EntraApp;
let clock = Date.now();
/** An access token the web app got for the middle tier: what the middle tier receives from its caller. */
let assertion: string;

beforeAll(async () => {
  world = await startWorld({ now: () => clock });
  const tenantId = world.tenant.id;
  middle = world.entra.addApp({
    tenantId,
    displayName: "middle-tier",
    secret: MIDDLE_SECRET,
    identifierUri: "api://middle-tier",
    accessTokenVersion: 2,
  });
  downstream = world.entra.addApp({
    tenantId,
    displayName: "downstream",
    identifierUri: "api://downstream",
    accessTokenVersion: 2,
    scopes: ["Orders.Read", "Orders.Write"],
  });
  other = world.entra.addApp({ tenantId, displayName: "other-api", secret: "other-secret" });
  assertion = await middleTierToken();
});
afterAll(() => world.entra.close());
beforeEach(() => {
  clock = Date.now();
  world.entra.setConsent(middle.clientId, downstream.clientId, undefined);
  world.entra.setConditionalAccess(downstream.clientId, undefined);
});

async function middleTierToken(): Promise<string> {
  const tokens = await codeFlow(world, { scope: `openid ${middle.identifierUri}/access_as_user` });
  expect(tokens.status).toBe(200);
  return tokens.json.access_token;
}

function obo(params: Record<string, string> = {}, omit: string[] = []) {
  const form: Record<string, string> = {
    grant_type: OBO,
    client_id: middle.clientId,
    client_secret: MIDDLE_SECRET,
    assertion,
    scope: "api://downstream/Orders.Read",
    requested_token_use: "on_behalf_of",
    ...params,
  };
  for (const name of omit) delete form[name];
  return postForm(tokenUrl(world), form);
}

/** The text of `error_description` before ` Trace ID:` (§6.1). */
function textOf(body: { error_description: string }): string {
  return body.error_description.replace(/ Trace ID: .*$/s, "");
}

describe("success (§3.5)", () => {
  it("issues a token for the downstream API: same user, its own pairwise sub, the middle tier as azp", async () => {
    const result = await obo();
    expect(result.status).toBe(200);
    expect(Object.keys(result.json)).toEqual([
      "token_type",
      "scope",
      "expires_in",
      "ext_expires_in",
      "access_token",
    ]);
    expect(result.json).toMatchObject({ token_type: "Bearer", scope: "api://downstream/Orders.Read" });
    expect(Number.isInteger(result.json.expires_in)).toBe(true);

    const incoming = claimsOf(assertion).claims;
    const { claims } = claimsOf(result.json.access_token);
    expect(incoming.aud).toBe(middle.clientId);
    expect(claims).toMatchObject({
      aud: downstream.clientId,
      iss: world.entra.issuerV2(world.tenant.id),
      oid: world.user.oid,
      tid: world.user.tid,
      azp: middle.clientId,
      azpacr: "1",
      scp: "Orders.Read",
      ver: "2.0",
    });
    expect(claims.oid).toBe(incoming.oid);
    expect(claims.tid).toBe(incoming.tid);
    expect(typeof claims.sub).toBe("string");
    expect(claims.sub).not.toBe(incoming.sub);
  });

  it("signs the new token with a key of the tenant's key set", async () => {
    const token = (await obo()).json.access_token;
    const discovery = await get(
      `${world.entra.authority(world.tenant.id)}/v2.0/.well-known/openid-configuration`,
    );
    const keys = await get(discovery.json.jwks_uri);
    await expect(jwtVerify(token, createLocalJWKSet(keys.json))).resolves.toBeTruthy();
  });

  it("resolves .default to the consented scopes, and returns a refresh token only with offline_access", async () => {
    const result = await obo({ scope: "api://downstream/.default offline_access" });
    expect(result.status).toBe(200);
    expect(result.json.scope).toBe("api://downstream/Orders.Read api://downstream/Orders.Write");
    expect(claimsOf(result.json.access_token).claims.scp).toBe("Orders.Read Orders.Write");
    expect(result.json.refresh_token).toEqual(expect.any(String));

    const refreshed = await postForm(tokenUrl(world), {
      grant_type: "refresh_token",
      client_id: middle.clientId,
      client_secret: MIDDLE_SECRET,
      refresh_token: result.json.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    expect(claimsOf(refreshed.json.access_token).claims).toMatchObject({
      aud: downstream.clientId,
      oid: world.user.oid,
      azp: middle.clientId,
    });
  });

  it("accepts an assertion whose audience is the middle tier's App ID URI (a v1 token)", async () => {
    const v1Api = world.entra.addApp({
      tenantId: world.tenant.id,
      secret: "v1-secret",
      identifierUri: "api://legacy-middle",
    });
    const tokens = await codeFlow(world, { scope: `openid ${v1Api.identifierUri}/access_as_user` });
    expect(claimsOf(tokens.json.access_token).claims.aud).toBe("api://legacy-middle");
    const result = await obo({
      client_id: v1Api.clientId,
      client_secret: "v1-secret",
      assertion: tokens.json.access_token,
    });
    expect(result.status).toBe(200);
    expect(claimsOf(result.json.access_token).claims.azp).toBe(v1Api.clientId);
  });
});

describe("the v1 endpoint (§1.3, §3.3)", () => {
  it("answers the same grant with resource= and the v1 body; the token stays the API's v2 format", async () => {
    const result = await postForm(`${world.entra.authority(world.tenant.id)}/oauth2/token`, {
      grant_type: OBO,
      client_id: middle.clientId,
      client_secret: MIDDLE_SECRET,
      assertion,
      resource: "api://downstream",
      requested_token_use: "on_behalf_of",
    });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ token_type: "Bearer", resource: "api://downstream" });
    expect(typeof result.json.expires_in).toBe("string");
    expect(claimsOf(result.json.access_token).claims).toMatchObject({
      aud: downstream.clientId,
      ver: "2.0",
      scp: "Orders.Read Orders.Write",
    });
  });
});

describe("the assertion (§3.5)", () => {
  it("refuses a token for another app: invalid_grant AADSTS500131", async () => {
    const result = await obo({ client_id: other.clientId, client_secret: "other-secret" });
    const body = expectEntraError(expect, result, 400, "invalid_grant", 500131);
    expect(textOf(body)).toBe(
      `AADSTS500131: Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${middle.clientId}' and the expected audience is '${other.clientId}' or one of the Application Uris of this application with App ID '${other.clientId}'(other-api). The downstream client must request a token for the expected audience (the application that made the OBO request) and this application should use that token as the assertion.`,
    );
    expect(body.error_uri).toBe(`${world.entra.url}/error?code=500131`);
    expect(body).not.toHaveProperty("suberror");
  });

  it("refuses a Microsoft Graph token as the assertion: AADSTS500131", async () => {
    const tokens = await codeFlow(world, { scope: "openid User.Read" });
    const result = await obo({ assertion: tokens.json.access_token });
    const body = expectEntraError(expect, result, 400, "invalid_grant", 500131);
    expect(textOf(body)).toContain(
      "The audience in the assertion was '00000003-0000-0000-c000-000000000000'",
    );
  });

  it("refuses a token signed by a key Entra does not publish: AADSTS50013", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = await new SignJWT({ ...claimsOf(assertion).claims })
      .setProtectedHeader({ typ: "JWT", alg: "RS256", kid: "not-a-published-key" })
      .sign(privateKey);
    const body = expectEntraError(expect, await obo({ assertion: forged }), 400, "invalid_grant", 50013);
    expect(textOf(body)).toBe(
      "AADSTS50013: Assertion failed signature validation. [Reason - The key was not found.]",
    );
  });

  it("refuses a token whose signature does not match the published key: AADSTS50013", async () => {
    const [header, payload, signature] = assertion.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const altered = Buffer.from(JSON.stringify({ ...claims, scp: "everything" })).toString("base64url");
    const body = expectEntraError(
      expect,
      await obo({ assertion: `${header}.${altered}.${signature}` }),
      400,
      "invalid_grant",
      50013,
    );
    const thumbprint = Buffer.from(String(decodeProtectedHeader(assertion).kid), "base64url")
      .toString("hex")
      .toUpperCase();
    expect(textOf(body)).toMatch(
      new RegExp(
        `^AADSTS50013: Assertion failed signature validation\\. \\[Reason - The provided signature value did not match the expected signature value\\., Thumbprint of key used by client: '${thumbprint}', Found key 'Start=\\d{2}/\\d{2}/\\d{4} \\d{2}:\\d{2}:\\d{2}, End=\\d{2}/\\d{2}/\\d{4} \\d{2}:\\d{2}:\\d{2}'\\]$`,
      ),
    );
  });

  it("refuses an expired token: AADSTS500133", async () => {
    const exp = Number(claimsOf(assertion).claims.exp);
    clock = exp * 1000 + 1000;
    const body = expectEntraError(expect, await obo(), 400, "invalid_grant", 500133);
    expect(textOf(body)).toBe(
      `AADSTS500133: Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: ${new Date(clock).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z")}, expiry time of assertion ${new Date(exp * 1000).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z")}.`,
    );
  });

  it("refuses an app-only token: the flow is for users (AADSTS50013)", async () => {
    const appOnly = await postForm(tokenUrl(world), {
      grant_type: "client_credentials",
      client_id: world.daemon.clientId,
      client_secret: "daemon-secret",
      scope: `${middle.identifierUri}/.default`,
    });
    expect(claimsOf(appOnly.json.access_token).claims).toMatchObject({ aud: middle.clientId, idtyp: "app" });
    const result = await obo({ assertion: appOnly.json.access_token });
    expectEntraError(expect, result, 400, "invalid_grant", 50013);
  });
});

describe("consent (§3.5)", () => {
  it("answers invalid_grant AADSTS65001 + consent_required when the middle tier holds no consent", async () => {
    world.entra.setConsent(middle.clientId, downstream.clientId, []);
    const result = await obo();
    const body = expectEntraError(expect, result, 400, "invalid_grant", 65001);
    expect(textOf(body)).toBe(
      `AADSTS65001: The user or administrator has not consented to use the application with ID '${middle.clientId}' named 'middle-tier'. Send an interactive authorization request for this user and resource.`,
    );
    expect(body.suberror).toBe("consent_required");
    expect(body).not.toHaveProperty("claims");
  });

  it("grants only the consented scopes: another scope is 65001, .default is what was consented", async () => {
    world.entra.setConsent(middle.clientId, downstream.clientId, ["Orders.Read"]);
    expectEntraError(
      expect,
      await obo({ scope: "api://downstream/Orders.Write" }),
      400,
      "invalid_grant",
      65001,
    );
    const result = await obo({ scope: "api://downstream/.default" });
    expect(result.status).toBe(200);
    expect(claimsOf(result.json.access_token).claims.scp).toBe("Orders.Read");
  });
});

describe("Conditional Access (§3.5)", () => {
  it("answers invalid_grant AADSTS50076 + basic_action with a claims challenge when the API requires MFA", async () => {
    world.entra.setConditionalAccess(downstream.clientId, { id: POLICY_ID, grant: "mfa" });
    const result = await obo();
    const body = expectEntraError(expect, result, 400, "invalid_grant", 50076);
    expect(Object.keys(body)).toEqual([
      "error",
      "error_description",
      "error_codes",
      "timestamp",
      "trace_id",
      "correlation_id",
      "error_uri",
      "claims",
      "suberror",
    ]);
    expect(textOf(body)).toBe(
      `AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${downstream.clientId}'.`,
    );
    expect(body.suberror).toBe("basic_action");
    expect(typeof body.claims).toBe("string");
    expect(JSON.parse(body.claims)).toEqual({
      access_token: { capolids: { essential: true, values: [POLICY_ID] } },
    });
  });

  it("leaves other APIs alone", async () => {
    world.entra.setConditionalAccess(downstream.clientId, { id: POLICY_ID, grant: "mfa" });
    const graph = await obo({ scope: "https://graph.microsoft.com/User.Read" });
    expect(graph.status).toBe(200);
  });
});

describe("the request (§3.5)", () => {
  it("requires requested_token_use: invalid_request AADSTS900144", async () => {
    const body = expectEntraError(
      expect,
      await obo({}, ["requested_token_use"]),
      400,
      "invalid_request",
      900144,
    );
    expect(textOf(body)).toBe(
      "AADSTS900144: The request body must contain the following parameter: 'requested_token_use'.",
    );
  });

  it("requires the assertion: invalid_request AADSTS900144", async () => {
    const body = expectEntraError(expect, await obo({}, ["assertion"]), 400, "invalid_request", 900144);
    expect(textOf(body)).toContain("'assertion'");
  });

  it("requires the middle tier's credentials: invalid_client AADSTS7000218", async () => {
    expectEntraError(expect, await obo({}, ["client_secret"]), 401, "invalid_client", 7000218);
  });

  it("does not know the RFC 8693 token-exchange grant: unsupported_grant_type AADSTS70003", async () => {
    const result = await obo({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: assertion,
      subject_token_type: "urn:ietf:params:oauth:token-type:access_token",
    });
    expectEntraError(expect, result, 400, "unsupported_grant_type", 70003);
  });
});
