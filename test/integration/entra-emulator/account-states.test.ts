// Account, app and tenant states at the sign-in page, with the redirect-vs-page rule of docs/reference/entra-id.md §2.3
// and the AADSTS codes of §6.4/§6.6.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInThroughSignInPage } from "../../support/entra-login.js";
import {
  authorizeUrl,
  expectEntraError,
  postForm,
  REDIRECT_URI,
  signIn,
  startWorld,
  tokenUrl,
  type World,
} from "./world.js";

let world: World;

beforeAll(async () => {
  world = await startWorld({ lockoutThreshold: 3 });
});
afterAll(() => world.entra.close());

let counter = 0;
function newUser() {
  const userPrincipalName = `state${++counter}@contoso.example`;
  const user = world.entra.addUser({ tenantId: world.tenant.id, userPrincipalName, password: "right" });
  return { ...user, userPrincipalName };
}

function attempt(
  username: string,
  password = "right",
  params: Record<string, string> = {},
  tenant = world.tenant.id,
) {
  return signInThroughSignInPage(
    authorizeUrl(world, params, tenant),
    { username, password },
    { redirectUriPrefix: REDIRECT_URI },
  );
}

function redirected(outcome: Awaited<ReturnType<typeof attempt>>): URLSearchParams {
  if (!("callbackUrl" in outcome)) throw new Error(`expected a redirect, got ${outcome.error}`);
  return new URL(outcome.callbackUrl).searchParams;
}

describe("errors shown in the sign-in form (the person can retry)", () => {
  it("wrong password: 50126", async () => {
    const user = newUser();
    expect(await attempt(user.userPrincipalName, "wrong")).toEqual({
      error: "AADSTS50126: Error validating credentials due to invalid username or password.",
    });
  });

  it("the form comes back with the username, the friendly text and a fresh chance", async () => {
    const user = newUser();
    const page = await fetch(authorizeUrl(world, {}));
    const html = await page.text();
    const ctx = /name="ctx" value="([^"]*)"/.exec(html)?.[1] ?? "";
    const form = { ctx, flowToken: "x", login: user.userPrincipalName, passwd: "wrong" };
    const retry = await (
      await fetch(`${world.entra.authority(world.tenant.id)}/login`, {
        method: "POST",
        body: new URLSearchParams(form),
      })
    ).text();
    expect(retry).toContain(`value="${user.userPrincipalName}"`);
    expect(retry).toContain("Your account or password is incorrect.");
    const ok = await fetch(`${world.entra.authority(world.tenant.id)}/login`, {
      method: "POST",
      body: new URLSearchParams({ ...form, passwd: "right" }),
      redirect: "manual",
    });
    expect(ok.status).toBe(302);
  });

  it("unknown user and deleted user: 50034", async () => {
    expect(await attempt("nobody@contoso.example")).toMatchObject({
      error: expect.stringMatching(/^AADSTS50034: The user account /),
    });
    const user = newUser();
    world.entra.setUserState(user.oid, "deleted");
    expect(await attempt(user.userPrincipalName)).toMatchObject({
      error: expect.stringMatching(/^AADSTS50034: /),
    });
  });

  it("disabled: 50057 — but a wrong password is still 50126", async () => {
    const user = newUser();
    world.entra.setUserState(user.oid, "disabled");
    expect(await attempt(user.userPrincipalName)).toEqual({
      error: "AADSTS50057: The user account is disabled.",
    });
    expect(await attempt(user.userPrincipalName, "wrong")).toMatchObject({
      error: expect.stringMatching(/^AADSTS50126/),
    });
  });

  it("locked: 50053 even with the right password", async () => {
    const user = newUser();
    world.entra.setUserState(user.oid, "locked");
    expect(await attempt(user.userPrincipalName)).toMatchObject({
      error: expect.stringMatching(/^AADSTS50053: /),
    });
  });

  it("smart lockout: after the threshold of wrong passwords the account locks (50053) until unlocked", async () => {
    const user = newUser();
    for (let i = 0; i < 3; i++)
      expect(await attempt(user.userPrincipalName, "wrong")).toMatchObject({
        error: expect.stringMatching(/^AADSTS50126/),
      });
    expect(await attempt(user.userPrincipalName)).toMatchObject({
      error: expect.stringMatching(/^AADSTS50053/),
    });
    world.entra.setUserState(user.oid, "active");
    expect(redirected(await attempt(user.userPrincipalName)).get("code")).toBeTruthy();
  });

  it("a success resets the failure count", async () => {
    const user = newUser();
    for (let i = 0; i < 2; i++) await attempt(user.userPrincipalName, "wrong");
    await attempt(user.userPrincipalName);
    for (let i = 0; i < 2; i++) await attempt(user.userPrincipalName, "wrong");
    expect(redirected(await attempt(user.userPrincipalName)).get("code")).toBeTruthy();
  });

  it("expired password: 50055; a password change ends it", async () => {
    const user = newUser();
    world.entra.setUserState(user.oid, "password_expired");
    expect(await attempt(user.userPrincipalName)).toEqual({ error: "AADSTS50055: The password is expired." });
    world.entra.changePassword(user.oid, "fresh");
    expect(redirected(await attempt(user.userPrincipalName, "fresh")).get("code")).toBeTruthy();
  });
});

describe("errors redirected to the app", () => {
  it("MFA required: error=interaction_required with AADSTS50076", async () => {
    const user = newUser();
    world.entra.setUserState(user.oid, "mfa_required");
    const callback = redirected(await attempt(user.userPrincipalName));
    expect(callback.get("error")).toBe("interaction_required");
    expect(callback.get("error_description")).toMatch(
      /^AADSTS50076: .+multi-factor authentication to access '[0-9a-f-]{36}'\. Trace ID: /,
    );
    expect(callback.get("state")).toBe("st-123");
    expect(callback.get("error_uri")).toBe(`${world.entra.url}/error?code=50076`);
  });

  it("blocked by Conditional Access: error=access_denied with AADSTS53003", async () => {
    const user = newUser();
    world.entra.setUserState(user.oid, "blocked_by_conditional_access");
    const callback = redirected(await attempt(user.userPrincipalName));
    expect(callback.get("error")).toBe("access_denied");
    expect(callback.get("error_description")).toMatch(
      /^AADSTS53003: Access has been blocked by Conditional Access policies\./,
    );
  });

  it("prompt=none turns form errors into interaction_required redirects", async () => {
    const user = newUser();
    const first = await fetch(authorizeUrl(world, {}));
    const ctx = /name="ctx" value="([^"]*)"/.exec(await first.text())?.[1] ?? "";
    const login = await fetch(`${world.entra.authority(world.tenant.id)}/login`, {
      method: "POST",
      body: new URLSearchParams({ ctx, login: user.userPrincipalName, passwd: "right" }),
      redirect: "manual",
    });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    world.entra.setUserState(user.oid, "disabled");
    const silent = await fetch(authorizeUrl(world, { prompt: "none" }), {
      headers: { cookie },
      redirect: "manual",
    });
    const callback = new URL(silent.headers.get("location") ?? "").searchParams;
    expect(callback.get("error")).toBe("interaction_required");
    expect(callback.get("error_description")).toMatch(/^AADSTS50057: /);
  });
});

describe("errors on the page (never redirected)", () => {
  it("a user of another tenant signing in to this tenant: 50020", async () => {
    const other = world.entra.addTenant({ domain: "fabrikam.example" });
    world.entra.addUser({ tenantId: other.id, userPrincipalName: "bob@fabrikam.example", password: "pw" });
    const outcome = await attempt("bob@fabrikam.example", "pw");
    expect(outcome).toMatchObject({
      error: expect.stringMatching(
        /^AADSTS50020: User account '\{EUII Hidden\}' from identity provider '.+' does not exist in tenant 'contoso.example'/,
      ),
    });
  });

  it("a blocked tenant: 5000225 at the authorize endpoint", async () => {
    const w = await startWorld();
    try {
      w.entra.setTenantState(w.tenant.id, "blocked");
      const outcome = await signInThroughSignInPage(
        authorizeUrl(w, {}),
        { username: "x", password: "y" },
        { redirectUriPrefix: REDIRECT_URI },
      );
      expect(outcome).toMatchObject({ error: expect.stringMatching(/^AADSTS5000225: /) });
    } finally {
      await w.entra.close();
    }
  });
});

describe("state changes between sign-in and redemption", () => {
  it("a user disabled after sign-in cannot redeem the code: 50057", async () => {
    const user = newUser();
    const callback = await signIn(world, {}, { username: user.userPrincipalName, password: "right" });
    world.entra.setUserState(user.oid, "disabled");
    const result = await postForm(tokenUrl(world), {
      grant_type: "authorization_code",
      client_id: world.web.clientId,
      client_secret: "web-secret",
      code: callback.get("code") ?? "",
      redirect_uri: REDIRECT_URI,
    });
    expectEntraError(expect, result, 400, "invalid_grant", 50057);
  });

  it("revoked sessions do not stop a new sign-in", async () => {
    const user = newUser();
    world.entra.setUserState(user.oid, "tokens_revoked");
    expect(redirected(await attempt(user.userPrincipalName)).get("code")).toBeTruthy();
  });
});
