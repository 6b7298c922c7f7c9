/**
 * Keycloak-lite's passkeys over HTTP, with a software authenticator in place
 * of the browser's: `kc_action=webauthn-register-passwordless` after the login
 * form (and straight away with an SSO cookie), "Sign in with Passkey" alone
 * once the password is gone, and the refusals a page shows instead of a 500.
 * Chromium drives the same pages in test/e2e/demo-open.test.ts.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createKeycloakEmulator } from "../../../src/testing/index.js";
import { Browser, findForm, type Page, type Redirected, textOf } from "../../support/html-browser.js";
import { SoftwareAuthenticator } from "../../support/software-authenticator.js";

const REALM = "passkeys";
const CALLBACK = "http://localhost:3000/callback";
const kc = await createKeycloakEmulator({ hostname: "localhost" });
kc.addRealm({ name: REALM, passkeys: true });
kc.addClient({ realm: REALM, clientId: "web", secret: "s3cret", redirectUris: [CALLBACK] });
afterAll(() => kc.close());

let n = 0;
function newUser() {
  const username = `ada-${++n}`;
  const password = `pw-${n}-${Math.random()}`;
  const user = kc.addUser({
    realm: REALM,
    username,
    password,
    email: `${username}@example.test`,
    firstName: "Ada",
    lastName: "Lovelace",
  });
  return { ...user, password };
}

function authorizeUrl(extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({
    client_id: "web",
    redirect_uri: CALLBACK,
    response_type: "code",
    scope: "openid",
    state: "st",
    ...extra,
  });
  return `${kc.issuer(REALM)}/protocol/openid-connect/auth?${query}`;
}

function page(result: Page | Redirected): Page {
  if (!("html" in result)) throw new Error(`expected a page, got a redirect to ${result.callbackUrl}`);
  return result;
}

function callback(result: Page | Redirected): URL {
  if (!("callbackUrl" in result))
    throw new Error(`expected the callback, got: ${textOf(result.html).slice(0, 200)}`);
  return new URL(result.callbackUrl);
}

/** The options a page's script hands to navigator.credentials. */
function optionsOf(html: string): {
  challenge: string;
  rpId?: string;
  rp?: { id: string };
  user?: { id: string };
} {
  const json = /const options = (\{.*?\});/.exec(html)?.[1];
  if (!json) throw new Error("no WebAuthn options on the page");
  return JSON.parse(json);
}

const title = (html: string) => textOf(/<h1 id="kc-page-title">([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? "");
const feedback = (html: string) =>
  textOf(/class="kc-feedback-text">([\s\S]*?)<\/span>/.exec(html)?.[1] ?? "");

async function register(browser: Browser, registration: Page, authenticator: SoftwareAuthenticator) {
  const options = optionsOf(registration.html);
  expect(options.rp?.id).toBe("localhost");
  const response = authenticator.register({
    challenge: options.challenge,
    origin: kc.url,
    rpId: "localhost",
  });
  const form = findForm(registration.html, (f) => f.id === "register");
  if (!form) throw new Error("no registration form");
  return browser.submit(
    form,
    registration.url,
    {
      clientDataJSON: Buffer.from(response.clientDataJSON).toString("base64url"),
      attestationObject: Buffer.from(response.attestationObject).toString("base64url"),
      publicKeyCredentialId: response.credentialId,
      authenticatorLabel: "Ada's laptop",
    },
    CALLBACK,
  );
}

async function passkeySignIn(
  browser: Browser,
  login: Page,
  authenticator: SoftwareAuthenticator,
  userId: string,
) {
  const options = optionsOf(login.html);
  const assertion = await authenticator.assert(
    { challenge: options.challenge, origin: kc.url, rpId: "localhost" },
    userId,
  );
  return submitAssertion(browser, login, assertion);
}

function submitAssertion(
  browser: Browser,
  login: Page,
  assertion: Awaited<ReturnType<SoftwareAuthenticator["assert"]>>,
) {
  const form = findForm(login.html, (f) => f.id === "webauth");
  if (!form) throw new Error("no passkey form on the login page");
  const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
  return browser.submit(
    form,
    login.url,
    {
      credentialId: assertion.credentialId,
      clientDataJSON: b64u(assertion.clientDataJSON),
      authenticatorData: b64u(assertion.authenticatorData),
      signature: b64u(assertion.signature),
      userHandle: b64u(assertion.userHandle),
    },
    CALLBACK,
  );
}

async function enrolled() {
  const user = newUser();
  const authenticator = await SoftwareAuthenticator.create();
  const browser = new Browser(kc.url);
  const login = page(
    await browser.open(
      authorizeUrl({ kc_action: "webauthn-register-passwordless", login_hint: user.username }),
    ),
  );
  const form = findForm(login.html, (f) => f.id === "kc-form-login");
  if (!form) throw new Error("no login form");
  const registration = page(
    await browser.submit(form, login.url, { username: user.username, password: user.password }),
  );
  expect(title(registration.html)).toBe("Passkey Registration");
  const back = callback(await register(browser, registration, authenticator));
  return { user, authenticator, browser, back };
}

describe("Keycloak-lite passkeys", () => {
  it("registers a passkey through kc_action after the login form, and reports success", async () => {
    const { user, back } = await enrolled();
    expect(back.searchParams.get("kc_action_status")).toBe("success");
    expect(back.searchParams.get("kc_action")).toBe("webauthn-register-passwordless");
    expect(back.searchParams.get("code")).toBeTruthy();
    expect(back.searchParams.get("state")).toBe("st");
    const credentials = kc.credentials(REALM, user.username);
    expect(credentials.map((c) => [c.type, c.userLabel])).toEqual([
      ["password", undefined],
      ["webauthn-passwordless", "Ada's laptop"],
    ]);
  });

  it("signs in with the passkey alone once the password is removed, and refuses the password", async () => {
    const { user, authenticator } = await enrolled();
    const password = kc.credentials(REALM, user.username).find((c) => c.type === "password");
    expect(kc.removeCredential(REALM, user.username, password?.id ?? "")).toBe(true);
    expect(kc.credentials(REALM, user.username).map((c) => c.type)).toEqual(["webauthn-passwordless"]);

    const browser = new Browser(kc.url);
    const login = page(await browser.open(authorizeUrl()));
    expect(login.html).toContain('id="authenticateWebAuthnButton"');
    expect(login.html).toContain("Sign in with Passkey");
    const form = findForm(login.html, (f) => f.id === "kc-form-login");
    if (!form) throw new Error("no login form");
    const refused = page(
      await browser.submit(form, login.url, { username: user.username, password: user.password }),
    );
    expect(feedback(refused.html)).toBe("Invalid username or password.");

    const back = callback(await passkeySignIn(browser, refused, authenticator, user.id));
    expect(back.searchParams.get("code")).toBeTruthy();
    expect(back.searchParams.has("kc_action_status")).toBe(false);
  });

  it("refuses a replayed assertion, a disabled user and garbage with a message, never a 500", async () => {
    const { user, authenticator } = await enrolled();
    const browser = new Browser(kc.url);
    const login = page(await browser.open(authorizeUrl()));
    const options = optionsOf(login.html);
    const assertion = await authenticator.assert(
      { challenge: options.challenge, origin: kc.url, rpId: "localhost" },
      user.id,
    );
    callback(await submitAssertion(browser, login, assertion));

    const again = page(await browser.open(authorizeUrl({ prompt: "login" })));
    const replayed = page(await submitAssertion(browser, again, assertion));
    expect(replayed.status).toBe(200);
    expect(feedback(replayed.html)).toBe("Passkey authentication result is invalid.");

    const unknown = await SoftwareAuthenticator.create();
    const stranger = page(await passkeySignIn(browser, replayed, unknown, user.id));
    expect(feedback(stranger.html)).toBe("Unknown user authenticated by the Passkey.");

    const form = findForm(stranger.html, (f) => f.id === "webauth");
    if (!form) throw new Error("no passkey form");
    const garbage = page(
      await browser.submit(form, stranger.url, {
        credentialId: authenticator.id,
        clientDataJSON: "%%%",
        authenticatorData: "AA",
        signature: "",
        userHandle: "",
      }),
    );
    expect(garbage.status).toBe(200);
    expect(feedback(garbage.html)).toBe("Passkey authentication result is invalid.");

    kc.setUserEnabled(REALM, user.id, false);
    const disabled = page(await passkeySignIn(browser, garbage, authenticator, user.id));
    expect(feedback(disabled.html)).toBe("Account is disabled, contact your administrator.");
  });

  it("goes straight to the registration page with an SSO cookie, and reports a cancel", async () => {
    const { user, browser } = await enrolled();
    const registration = page(
      await browser.open(authorizeUrl({ kc_action: "webauthn-register-passwordless" })),
    );
    expect(title(registration.html)).toBe("Passkey Registration");
    const options = optionsOf(registration.html);
    expect(Buffer.from(options.user?.id ?? "", "base64url").toString()).toBe(user.id);
    const cancel = findForm(registration.html, (f) => f.id === "cancel");
    if (!cancel) throw new Error("no cancel form");
    const back = callback(await browser.submit(cancel, registration.url, { "cancel-aia": "true" }, CALLBACK));
    expect(back.searchParams.get("kc_action_status")).toBe("cancelled");
    expect(kc.credentials(REALM, user.id).filter((c) => c.type === "webauthn-passwordless")).toHaveLength(1);
  });

  it("answers kc_action_status=error for a registration that does not verify", async () => {
    const user = newUser();
    const browser = new Browser(kc.url);
    const login = page(await browser.open(authorizeUrl({ kc_action: "webauthn-register-passwordless" })));
    const form = findForm(login.html, (f) => f.id === "kc-form-login");
    if (!form) throw new Error("no login form");
    const registration = page(
      await browser.submit(form, login.url, { username: user.username, password: user.password }),
    );
    const authenticator = await SoftwareAuthenticator.create();
    const response = authenticator.register({
      challenge: "bm90LWlzc3VlZA",
      origin: kc.url,
      rpId: "localhost",
    });
    const registerForm = findForm(registration.html, (f) => f.id === "register");
    if (!registerForm) throw new Error("no registration form");
    const back = callback(
      await browser.submit(
        registerForm,
        registration.url,
        {
          clientDataJSON: Buffer.from(response.clientDataJSON).toString("base64url"),
          attestationObject: Buffer.from(response.attestationObject).toString("base64url"),
          publicKeyCredentialId: response.credentialId,
        },
        CALLBACK,
      ),
    );
    expect(back.searchParams.get("kc_action_status")).toBe("error");
    expect(kc.credentials(REALM, user.id).map((c) => c.type)).toEqual(["password"]);
  });

  it("offers no passkey in a realm without them, and answers kc_action with error", async () => {
    kc.addRealm({ name: "plain" });
    kc.addClient({ realm: "plain", clientId: "web", secret: "s3cret", redirectUris: [CALLBACK] });
    kc.addUser({
      realm: "plain",
      username: "bob",
      password: "pw",
      email: "b@example.test",
      firstName: "B",
      lastName: "C",
    });
    const browser = new Browser(kc.url);
    const url = authorizeUrl({ kc_action: "webauthn-register-passwordless" }).replace(
      `/realms/${REALM}/`,
      "/realms/plain/",
    );
    const login = page(await browser.open(url));
    expect(login.html).not.toContain("authenticateWebAuthnButton");
    const form = findForm(login.html, (f) => f.id === "kc-form-login");
    if (!form) throw new Error("no login form");
    const back = callback(
      await browser.submit(form, login.url, { username: "bob", password: "pw" }, CALLBACK),
    );
    expect(back.searchParams.get("kc_action_status")).toBe("error");
  });
});
