/**
 * Passkey onboarding, end to end in Debian's Chromium with a virtual
 * authenticator (Chrome DevTools Protocol, WebAuthn domain): Ada is mirrored
 * from the Entra emulator into a realm of the REAL Keycloak prepared by
 * `preparePasskeys()`; `onboard().send()` has Keycloak e-mail her its
 * execute-actions link (caught by an SMTP sink); she opens it and registers a
 * passkey on Keycloak's own page; `readiness()` counts her as `passkey`.
 * Then Entra ID disables her, the app offers the EU spare, and she signs in
 * there with the passkey alone (she has no password) as the same app user.
 *
 * A failed test leaves its last page in reports/screenshots/<test>.png.
 * `E2E_STORY_SCREENSHOTS=1` also writes the story's pictures to test/e2e/screenshots/.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { mirror, onboard, preparePasskeys, readiness } from "../../src/directory/index.js";
import { keycloakUrl } from "../support/keycloak-env.js";
import { failureScreenshot, launchChromium, newPage, save, storyScreenshot } from "./support/chromium.js";
import { type PasskeyBed, startPasskeyBed } from "./support/passkey-bed.js";
import { type VirtualAuthenticator, virtualAuthenticator } from "./support/virtual-authenticator.js";

let bed: PasskeyBed;
let browser: Browser;
let current: { context: BrowserContext; page: Page } | undefined;

beforeAll(async () => {
  [bed, browser] = await Promise.all([startPasskeyBed(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await bed?.close(); // the realm is this file's own: deleted with its users and SMTP settings
});
afterEach(async (ctx) => {
  const open = current;
  current = undefined;
  if (!open) return;
  if (ctx.task.result?.state === "fail") await save(open.page, failureScreenshot(ctx.task.name));
  await open.context.close();
});

// Keycloak's textured background makes a full page heavy: the pictures keep its centred card.
const CARD = { x: 200, y: 100, width: 600, height: 480 };
const LOGIN_CARD = { x: 200, y: 60, width: 600, height: 580 };

async function kindsOfAda(): Promise<readonly string[] | undefined> {
  const report = await readiness({ source: bed.source, target: bed.target, state: bed.state });
  return report.people.find((p) => p.key === bed.ada.key)?.kinds;
}

/** The app's /me page: which app user, signed in where. */
async function signedIn(page: Page): Promise<{ appUserId: string; provider: string }> {
  expect(new URL(page.url()).pathname).toBe("/me");
  expect(await page.textContent("h1")).toBe("Hello, Ada Lovelace");
  return {
    appUserId: (await page.textContent("p code")) ?? "",
    provider: (await page.textContent("p b")) ?? "",
  };
}

/** Day one: Ada signs in to the app at the Entra ID emulator's sign-in page. */
async function entraSignIn(page: Page): Promise<void> {
  await page.goto(`${bed.origin}/`);
  await page.getByRole("link", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => url.href.startsWith(`${bed.entra.url}/`));
  await page.fill("#i0116", bed.ada.upn);
  await page.fill("#i0118", bed.ada.password);
  await page.click("#idSIButton9");
  await page.waitForURL((url) => url.href.startsWith(`${bed.origin}/me`));
}

/** The e-mail's link → Keycloak's confirmation → its "Passkey Registration" page → the virtual authenticator. */
async function registerFromEmail(page: Page, link: string): Promise<void> {
  await page.goto(link);
  expect(await page.textContent("#kc-page-title")).toContain("Perform the following action(s)");
  await storyScreenshot(page, "passkey-1-email-link", CARD);
  await page.getByRole("link", { name: "» Click here to proceed" }).click();
  await page.waitForURL((url) => url.searchParams.get("execution") === "webauthn-register-passwordless");
  expect(await page.textContent("#kc-page-title")).toContain("Passkey Registration");
  await storyScreenshot(page, "passkey-2-register", CARD);
  // Keycloak's webauthnRegister.js asks for a label with window.prompt before calling navigator.credentials.create.
  page.once("dialog", (dialog) => void dialog.accept("Ada's laptop"));
  await page.click("#registerWebAuthn");
  await page.getByText("Your account has been updated.").waitFor();
  expect(await page.getAttribute("#kc-info-message a", "href")).toBe(`${bed.origin}/`);
  await storyScreenshot(page, "passkey-3-registered", CARD);
}

/**
 * Keycloak's login page with passkeys enabled starts a conditional-mediation request at once
 * (W3C WebAuthn Level 3 §5.1.4, `mediation: "conditional"`), which a virtual authenticator that simulates
 * presence answers before anyone acts. So presence is off until the page is shown, then Ada presses
 * "Sign in with Passkey" (a modal request, usernameless: no username typed, no password field filled).
 */
async function passkeySignIn(page: Page, authenticator: VirtualAuthenticator): Promise<void> {
  await authenticator.presence(false);
  await page.getByRole("link", { name: "Sign in with eu", exact: true }).click();
  await page.waitForURL((url) =>
    url.href.startsWith(`${keycloakUrl()}/realms/${bed.realm}/protocol/openid-connect/auth?`),
  );
  const button = page.locator("#authenticateWebAuthnButton");
  await expect.poll(() => button.textContent()).toContain("Sign in with Passkey");
  await storyScreenshot(page, "passkey-5-sign-in", LOGIN_CARD);
  await authenticator.presence(true);
  await button.click();
  await page.waitForURL((url) => url.href.startsWith(`${bed.origin}/me`));
}

it("Ada registers a passkey from Keycloak's e-mail and, disabled at Entra ID, signs in with it alone as the same app user", async () => {
  const prepared = await preparePasskeys(bed.target, { issuer: `${keycloakUrl()}/realms/${bed.realm}` });
  expect(prepared.check.problems).toEqual([]);
  // No UPDATE_PASSWORD on the copies (the mirror's default): Keycloak runs a user's own pending required actions
  // with an action token's, so the e-mailed link would ask her for a password before the passkey.
  const run = mirror({
    source: bed.source,
    target: bed.target,
    state: bed.state,
    disables: { policy: "hold" },
    onboarding: { requiredActions: [] },
  });
  expect((await run.apply()).status).toBe("done");
  expect(await kindsOfAda()).toEqual(["none"]);

  current = await newPage(browser);
  const { page } = current;
  const authenticator = await virtualAuthenticator(page);
  await entraSignIn(page);
  const atEntra = await signedIn(page);
  expect(atEntra.provider).toBe("entra");

  const invitation = onboard({
    source: bed.source,
    target: bed.target,
    state: bed.state,
    clientId: "app",
    redirectUri: `${bed.origin}/`,
  });
  expect((await invitation.send()).sent).toEqual({ invite: 1, remind: 0 });
  const [mail] = await bed.sink.waitFor(1);
  expect(mail?.to).toEqual([bed.ada.upn]);
  expect(mail?.token?.rqac).toEqual(["webauthn-register-passwordless"]);
  await registerFromEmail(page, mail?.link as string);

  const [passkey] = await authenticator.credentials();
  expect(passkey).toMatchObject({ rpId: "localhost", isResidentCredential: true, signCount: 1 });
  expect(await kindsOfAda()).toEqual(["passkey"]); // and nothing else: no password
  // The link changed her credentials only; it signed her in nowhere (no Keycloak SSO cookie).
  expect((await page.context().cookies(keycloakUrl())).map((c) => c.name)).not.toContain("KEYCLOAK_IDENTITY");

  // Microsoft disables her. Entra access tokens live 60 s, so the app's next page refreshes and is refused.
  bed.entra.setUserState(bed.ada.oid, "disabled");
  await page.goto(`${bed.origin}/me`);
  expect(new URL(page.url()).pathname).toBe("/choose");
  expect(await page.textContent("body")).toContain("entra refused: account_disabled");
  await storyScreenshot(page, "passkey-4-chooser");

  await passkeySignIn(page, authenticator);
  const atKeycloak = await signedIn(page);
  expect(atKeycloak).toEqual({ provider: "eu", appUserId: atEntra.appUserId });
  expect((await authenticator.credentials())[0]?.signCount).toBe(2); // one assertion: the sign-in
  // Joined through the mirrored entra_id claim, so everything the app keeps under that app user is hers again.
  const links = await bed.identity.linksOf(atEntra.appUserId);
  expect(links.map((l) => [l.provider, l.method]).sort()).toEqual([
    ["entra", "new-user"],
    ["eu", "link-claim"],
  ]);
  await storyScreenshot(page, "passkey-6-same-user");
});
