// The authorization code flow through the emulator's sign-in page (docs/reference/entra-id.md §2, §3.1, §3.2).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInThroughSignInPage } from "../../support/entra-login.js";
import {
  authorizeUrl,
  claimsOf,
  codeFlow,
  expectEntraError,
  GUID,
  get,
  pkcePair,
  postForm,
  REDIRECT_URI,
  signIn,
  startWorld,
  tokenUrl,
  type World,
} from "./world.js";

let world: World;
let clock = Date.now();

beforeAll(async () => {
  world = await startWorld({ now: () => clock });
});
afterAll(() => world.entra.close());

function redeem(code: string, extra: Record<string, string> = {}, tenant = world.tenant.id) {
  return postForm(tokenUrl(world, tenant), {
    grant_type: "authorization_code",
    client_id: world.web.clientId,
    client_secret: "web-secret",
    code,
    redirect_uri: REDIRECT_URI,
    ...extra,
  });
}

describe("success", () => {
  it("redirects with code, state and session_state — no iss (§2.2), then redeems for v2 tokens (§3.2)", async () => {
    const pkce = pkcePair();
    const callback = await signIn(world, { code_challenge: pkce.challenge, code_challenge_method: "S256" });
    expect([...callback.keys()]).toEqual(["code", "state", "session_state"]);
    expect(callback.get("state")).toBe("st-123");
    expect(callback.get("session_state")).toMatch(GUID);
    const result = await redeem(callback.get("code") ?? "", { code_verifier: pkce.verifier });
    expect(result.status).toBe(200);
    const body = result.json;
    expect(Object.keys(body)).toEqual([
      "token_type",
      "scope",
      "expires_in",
      "ext_expires_in",
      "access_token",
      "refresh_token",
      "id_token",
    ]);
    expect(body.token_type).toBe("Bearer");
    expect(body.scope).toBe(`${world.apiV2.identifierUri}/access_as_user profile openid email`);
    expect(Number.isInteger(body.expires_in) && Number.isInteger(body.ext_expires_in)).toBe(true);
    expect(body.expires_in).toBeGreaterThanOrEqual(3599);
    expect(body.expires_in).toBeLessThanOrEqual(5399); // random 60–90 min (§3.4)
    expect(claimsOf(body.id_token).claims.sid).toBe(callback.get("session_state"));
    expect(claimsOf(body.id_token).claims.nonce).toBe("n-456");
    expect(Object.fromEntries(result.headers)).toMatchObject({
      "cache-control": "no-store, no-cache",
      pragma: "no-cache",
      expires: "-1",
      "content-type": "application/json; charset=utf-8",
      "x-ms-clitelem": "1,0,0,,",
    });
  });

  it("without offline_access there is no refresh token; without openid no ID token", async () => {
    const body = (await codeFlow(world, { scope: `${world.apiV2.identifierUri}/access_as_user` })).json;
    expect(body).not.toHaveProperty("refresh_token");
    expect(body).not.toHaveProperty("id_token");
    expect(body.access_token).toBeTruthy();
  });

  it("client_info=1 adds client_info (base64url uid/utid) to the redirect and the token response", async () => {
    const callback = await signIn(world, { client_info: "1" });
    const info = JSON.parse(Buffer.from(callback.get("client_info") ?? "", "base64url").toString());
    expect(info).toEqual({ uid: world.user.oid, utid: world.tenant.id });
    const body = (await redeem(callback.get("code") ?? "", { client_info: "1" })).json;
    expect(JSON.parse(Buffer.from(body.client_info, "base64url").toString())).toEqual(info);
  });

  it("accepts client_secret_basic", async () => {
    const callback = await signIn(world);
    const basic = Buffer.from(`${world.web.clientId}:web-secret`).toString("base64");
    const result = await postForm(
      tokenUrl(world),
      { grant_type: "authorization_code", code: callback.get("code") ?? "", redirect_uri: REDIRECT_URI },
      { authorization: `Basic ${basic}` },
    );
    expect(result.status).toBe(200);
  });

  it("response_mode=fragment puts the answer after '#'; form_post serves an auto-posting form", async () => {
    const fragment = await signInThroughSignInPage(
      authorizeUrl(world, { response_mode: "fragment" }),
      { username: world.user.userPrincipalName, password: world.password },
      { redirectUriPrefix: REDIRECT_URI },
    );
    expect("callbackUrl" in fragment && new URL(fragment.callbackUrl).hash).toMatch(
      /^#code=.+&state=st-123&session_state=/,
    );
    const posted = await signInThroughSignInPage(
      authorizeUrl(world, { response_mode: "form_post" }),
      { username: world.user.userPrincipalName, password: world.password },
      { redirectUriPrefix: REDIRECT_URI },
    );
    expect(posted).toMatchObject({ callbackUrl: REDIRECT_URI, formPost: { state: "st-123" } });
    expect("formPost" in posted && posted.formPost?.code).toBeTruthy();
  });

  it("works through a verified domain segment and through organizations for a multi-tenant app", async () => {
    expect((await codeFlow(world, {}, "contoso.example")).status).toBe(200);
    const multi = world.entra.addApp({
      tenantId: world.tenant.id,
      secret: "multi-secret",
      redirectUris: [REDIRECT_URI],
      multiTenant: true,
    });
    const callback = await signIn(world, { client_id: multi.clientId }, undefined, "organizations");
    const result = await postForm(tokenUrl(world, "organizations"), {
      grant_type: "authorization_code",
      client_id: multi.clientId,
      client_secret: "multi-secret",
      code: callback.get("code") ?? "",
      redirect_uri: REDIRECT_URI,
    });
    expect(claimsOf(result.json.id_token).claims.iss).toBe(world.entra.issuerV2(world.tenant.id));
  });
});

describe("codes", () => {
  it("are single use: the second redemption is 54005", async () => {
    const code = (await signIn(world)).get("code") ?? "";
    expect((await redeem(code)).status).toBe(200);
    const again = await redeem(code);
    const body = expectEntraError(expect, again, 400, "invalid_grant", 54005);
    expect(body.error_description).toMatch(/^AADSTS54005: OAuth2 Authorization code was already redeemed/);
  });

  it("expire after ~10 minutes: 70008", async () => {
    const code = (await signIn(world)).get("code") ?? "";
    clock += 11 * 60_000;
    try {
      expectEntraError(expect, await redeem(code), 400, "invalid_grant", 70008);
    } finally {
      clock -= 11 * 60_000;
    }
  });

  it("an unknown code is 9002313; another client's code is refused", async () => {
    expectEntraError(expect, await redeem("not-a-code"), 400, "invalid_grant", 9002313);
    const code = (await signIn(world)).get("code") ?? "";
    const other = world.entra.addApp({
      tenantId: world.tenant.id,
      secret: "x",
      redirectUris: [REDIRECT_URI],
    });
    const stolen = await redeem(code, { client_id: other.clientId, client_secret: "x" });
    expect(stolen.json.error).toBe("invalid_grant");
  });

  it("must be redeemed against the tenant it was issued for (700005)", async () => {
    const code = (await signIn(world)).get("code") ?? "";
    expectEntraError(expect, await redeem(code, {}, "common"), 400, "invalid_grant", 700005);
  });

  it("need the same redirect_uri", async () => {
    const code = (await signIn(world)).get("code") ?? "";
    expect((await redeem(code, { redirect_uri: "http://localhost:3000/other" })).json.error).toBe(
      "invalid_grant",
    );
    const missing = await postForm(tokenUrl(world), {
      grant_type: "authorization_code",
      client_id: world.web.clientId,
      client_secret: "web-secret",
      code,
    });
    expectEntraError(expect, missing, 400, "invalid_request", 900144);
    expect(missing.json.error_description).toContain("'redirect_uri'");
  });
});

describe("PKCE", () => {
  it("S256 and plain both verify", async () => {
    for (const method of ["S256", "plain"] as const) {
      const pkce = pkcePair(method);
      const code = (
        await signIn(world, { code_challenge: pkce.challenge, code_challenge_method: method })
      ).get("code");
      expect((await redeem(code ?? "", { code_verifier: pkce.verifier })).status).toBe(200);
    }
  });

  it("a missing verifier is 50148, a wrong one 501481 — and the code stays redeemable", async () => {
    const pkce = pkcePair();
    const code =
      (await signIn(world, { code_challenge: pkce.challenge, code_challenge_method: "S256" })).get("code") ??
      "";
    const missing = expectEntraError(expect, await redeem(code), 400, "invalid_grant", 50148);
    expect(missing.error_description).toMatch(
      /^AADSTS50148: The code_verifier does not match the code_challenge/,
    );
    expectEntraError(
      expect,
      await redeem(code, { code_verifier: pkcePair().verifier }),
      400,
      "invalid_grant",
      501481,
    );
    expect((await redeem(code, { code_verifier: pkce.verifier })).status).toBe(200);
  });

  it("a challenge of the wrong size is redirected as invalid_request (501491)", async () => {
    const callback = await signIn(world, { code_challenge: "short", code_challenge_method: "S256" });
    expect(callback.get("error")).toBe("invalid_request");
    expect(callback.get("error_description")).toMatch(/^AADSTS501491: /);
  });
});

describe("authorize errors (§2.3)", () => {
  async function page(url: string) {
    const result = await get(url);
    expect(result.status).toBe(200);
    expect(result.headers.get("location")).toBeNull();
    const escaped = /<div id="error-message">([^<]*)<\/div>/.exec(result.text)?.[1];
    return escaped?.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  }

  it("an unknown client_id is shown on the error page, never redirected (700016)", async () => {
    const message = await page(authorizeUrl(world, { client_id: crypto.randomUUID() }));
    expect(message).toMatch(
      /^AADSTS700016: Application with identifier '[0-9a-f-]{36}' was not found in the directory/,
    );
  });

  it("a redirect URI that is not registered is shown on the page (50011)", async () => {
    const message = await page(authorizeUrl(world, { redirect_uri: "https://attacker.example/cb" }));
    expect(message).toContain(
      "AADSTS50011: The redirect URI 'https://attacker.example/cb' specified in the request",
    );
  });

  it("loopback redirect URIs match on any port (the localhost exception)", async () => {
    const result = await get(
      authorizeUrl(world, { client_id: world.cli.clientId, redirect_uri: "http://localhost:51234" }),
    );
    expect(result.text).toContain('name="passwd"');
  });

  it("a disabled app is shown on the page (7000112)", async () => {
    const app = world.entra.addApp({
      tenantId: world.tenant.id,
      redirectUris: [REDIRECT_URI],
      displayName: "Old",
    });
    world.entra.setAppState(app.clientId, "disabled");
    expect(await page(authorizeUrl(world, { client_id: app.clientId }))).toBe(
      `AADSTS7000112: Application '${app.clientId}'(Old) is disabled.`,
    );
  });

  it("the error page carries the troubleshooting details", async () => {
    const result = await get(authorizeUrl(world, { client_id: crypto.randomUUID() }));
    expect(result.text).toMatch(/Request Id:<\/span> <span id="requestId">[0-9a-f-]{36}</);
    expect(result.text).toMatch(/Correlation Id:<\/span> <span id="correlationId">[0-9a-f-]{36}</);
    expect(result.text).toContain(`<span id="requestId">${result.headers.get("x-ms-request-id")}<`);
    expect(result.text).toMatch(/Message:<\/span> <span id="debugDetailsMessage">AADSTS700016: /);
  });

  it("redirected errors use Entra's encoding: lower-case %xx, '+' for spaces, error_uri, state", async () => {
    const result = await get(authorizeUrl(world, { response_type: "token" }));
    const location = result.headers.get("location") ?? "";
    expect(result.status).toBe(302);
    expect(location).toMatch(
      /^http:\/\/localhost:3000\/callback\?error=unsupported_response_type&error_description=AADSTS700054%3a\+response_type\+%27token%27\+is\+not\+enabled\+for\+the\+application\.\+Trace\+ID%3a\+[0-9a-f-]{36}\+Correlation\+ID%3a\+[0-9a-f-]{36}\+Timestamp%3a\+\d{4}-\d{2}-\d{2}\+\d{2}%3a\d{2}%3a\d{2}Z&error_uri=http%3a%2f%2f127\.0\.0\.1%3a\d+%2ferror%3fcode%3d700054&state=st-123$/,
    );
  });

  it("a missing response_type is 900144 invalid_request, redirected", async () => {
    const url = new URL(authorizeUrl(world, {}));
    url.searchParams.delete("response_type");
    const callback = new URL((await get(url.href)).headers.get("location") ?? "").searchParams;
    expect(callback.get("error")).toBe("invalid_request");
    expect(callback.get("error_description")).toMatch(
      /^AADSTS900144: The request body must contain the following parameter: 'response_type'\./,
    );
  });

  it("an unknown resource is redirected as invalid_resource (500011)", async () => {
    const result = await get(authorizeUrl(world, { scope: "openid api://nobody.example/read" }));
    const callback = new URL(result.headers.get("location") ?? "").searchParams;
    expect(callback.get("error")).toBe("invalid_resource");
    expect(callback.get("error_description")).toMatch(
      /^AADSTS500011: The resource principal named api:\/\/nobody.example/,
    );
  });

  it("two resources in one request are refused (700022)", async () => {
    const scope = `${world.apiV1.identifierUri}/a ${world.apiV2.identifierUri}/b`;
    const callback = new URL((await get(authorizeUrl(world, { scope }))).headers.get("location") ?? "")
      .searchParams;
    expect(callback.get("error")).toBe("invalid_scope");
  });

  it("a single-tenant app on /common is refused on the page (50194)", async () => {
    expect(await page(authorizeUrl(world, {}, "common"))).toMatch(/^AADSTS50194: /);
  });

  it("an unknown tenant is 90002 on the page", async () => {
    expect(await page(authorizeUrl(world, {}, "nowhere.example"))).toMatch(
      /^AADSTS90002: Tenant 'nowhere.example' not found/,
    );
  });
});

describe("sessions (prompt=none) and logout (§2.4)", () => {
  it("prompt=none without a session is login_required 50058", async () => {
    const callback = new URL(
      (await get(authorizeUrl(world, { prompt: "none" }))).headers.get("location") ?? "",
    ).searchParams;
    expect(callback.get("error")).toBe("login_required");
    expect(callback.get("error_description")).toMatch(/^AADSTS50058: /);
  });

  it("prompt=none with the SSO cookie issues a code; after logout it is login_required again", async () => {
    const login = await fetch(authorizeUrl(world, {}));
    const html = await login.text();
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? "";
    const posted = await fetch(`${world.entra.authority(world.tenant.id)}/login`, {
      method: "POST",
      body: new URLSearchParams({
        ctx: field("ctx"),
        flowToken: field("flowToken"),
        login: world.user.userPrincipalName,
        passwd: world.password,
      }),
      redirect: "manual",
    });
    const cookie = (posted.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^ESTSAUTH=[0-9a-f-]{36}$/);
    const silent = await get(authorizeUrl(world, { prompt: "none" }), { cookie });
    expect(new URL(silent.headers.get("location") ?? "").searchParams.get("code")).toBeTruthy();

    const logout = await get(
      `${world.entra.authority(world.tenant.id)}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
      { cookie },
    );
    expect(logout.status).toBe(302);
    expect(logout.headers.get("location")).toBe(REDIRECT_URI);
    const after = await get(authorizeUrl(world, { prompt: "none" }), { cookie });
    expect(new URL(after.headers.get("location") ?? "").searchParams.get("error")).toBe("login_required");
  });

  it("logout to an unregistered URI shows the signed-out page instead of redirecting", async () => {
    const result = await get(
      `${world.entra.authority(world.tenant.id)}/oauth2/v2.0/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.example`,
    );
    expect(result.status).toBe(200);
    expect(result.text).toContain("You signed out of your account");
  });
});
