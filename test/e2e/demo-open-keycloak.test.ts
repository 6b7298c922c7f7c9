/**
 * `idswitch demo --open` against the REAL Keycloak (the test bed's realm
 * `idswitch`, prepared by the SDK's own `preparePasskeys()`), clicked through
 * in Chromium with a virtual authenticator: Ada enrols a passkey at the spare
 * through Keycloak's application-initiated action
 * (`kc_action=webauthn-register-passwordless`), the demo removes her password
 * there, Microsoft disables her at Entra ID, and she signs in at Keycloak
 * with the passkey alone as the same app user with the same files.
 *
 * The realm's client `app` admits http://localhost:3000/callback only, so the
 * demo listens on port 3000. A failed test leaves its last page in
 * reports/screenshots/<test>.png.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { runDemo } from "../../src/cli/demo/run.js";
import { keycloakUrl } from "../support/keycloak-env.js";
import { failureScreenshot, launchChromium, newPage, save } from "./support/chromium.js";
import { virtualAuthenticator } from "./support/virtual-authenticator.js";

const PORT = 3000;
let browser: Browser;
let current: { context: BrowserContext; page: Page } | undefined;
let stop: () => void = () => {};
let exit: Promise<number> | undefined;
const lines: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  let ready: (url: string) => void = () => {};
  const started = new Promise<string>((resolve) => {
    ready = resolve;
  });
  exit = runDemo({
    env: { KEYCLOAK_URL: keycloakUrl() },
    write: (line) => lines.push(line),
    open: { port: PORT, stop: new Promise<void>((resolve) => (stop = resolve)), ready },
  });
  await Promise.race([
    started,
    exit.then((code) => Promise.reject(new Error(`the demo exited ${code}:\n${lines.join("\n")}`))),
  ]);
});
afterAll(async () => {
  await browser?.close();
  stop();
  await exit;
});
afterEach(async (ctx) => {
  const open = current;
  current = undefined;
  if (!open) return;
  if (ctx.task.result?.state === "fail") await save(open.page, failureScreenshot(ctx.task.name));
  await open.context.close();
});

const origin = `http://localhost:${PORT}`;
const atKeycloak = (url: URL) => url.href.startsWith(`${keycloakUrl()}/realms/idswitch/`);

it("enrols a passkey at the real Keycloak and signs in there with it alone, as the same app user", async () => {
  expect(lines.join("\n")).toContain(`Spare: Keycloak (real, ${keycloakUrl()})`);
  expect(lines.join("\n")).not.toContain("passkeys are not available");
  current = await newPage(browser);
  const { page } = current;
  const authenticator = await virtualAuthenticator(page);
  await page.goto(`${origin}/`);
  const items = await page.locator("li").allTextContents();
  const [entra, spare] = items.map((text) => /: (\S+) \/ (\S+)$/.exec(text)?.slice(1) ?? []);

  await page.click("#sign-in");
  await page.waitForURL((url) => !url.href.startsWith(origin));
  await page.fill("#i0116", entra?.[0] ?? "");
  await page.fill("#i0118", entra?.[1] ?? "");
  await page.click("#idSIButton9");
  await page.waitForURL((url) => url.href.startsWith(origin));
  const appUser = await page.textContent("#app-user");

  await page.getByRole("button", { name: "Enrol a passkey at the spare" }).click();
  await page.waitForURL(atKeycloak);
  await page.fill("#username", spare?.[0] ?? "");
  await page.fill("#password", spare?.[1] ?? "");
  await page.click("#kc-login");
  await expect.poll(() => page.textContent("#kc-page-title")).toContain("Passkey Registration");
  await page.waitForLoadState("load"); // the page's script must be there to answer the click
  page.on("console", (m) => lines.push(`browser console: ${m.text()}`));
  page.on("pageerror", (e) => lines.push(`browser error: ${e.message}`));
  page.once("dialog", (dialog) => void dialog.accept("Ada's laptop"));
  await page.click("#registerWebAuthn");
  await page
    .waitForURL((url) => url.href.startsWith(origin))
    .catch((err: Error) => {
      throw new Error(`${err.message}\n${lines.filter((l) => l.startsWith("browser")).join("\n")}`);
    });
  expect(await page.textContent("#notice")).toContain(
    "A passkey was registered at the spare for this app user",
  );
  expect(await page.textContent("#notice")).toContain("her password there was removed");
  expect((await page.locator("li").allTextContents())[1]).toContain("no password: passkey only");
  const [passkey] = await authenticator.credentials();
  expect(passkey).toMatchObject({ rpId: "localhost", isResidentCredential: true });
  const registeredCount = passkey?.signCount ?? 0;

  await page.getByRole("button", { name: "Microsoft disables Ada's account" }).click();
  await page.getByRole("button", { name: /Refresh the session/ }).click();
  expect(await page.textContent("#notice")).toContain("account_disabled");
  // Keycloak's login page starts a conditional-mediation request at once, which a virtual authenticator with
  // presence simulation answers before anyone acts: presence stays off until Ada presses the button.
  await authenticator.presence(false);
  await page.locator("#chooser a.alternative").click();
  await page.waitForURL(atKeycloak);
  const button = page.locator("#authenticateWebAuthnButton");
  await expect.poll(() => button.textContent()).toContain("Sign in with Passkey");
  await authenticator.presence(true);
  await button.click();
  await page.waitForURL((url) => url.href.startsWith(origin));
  expect(await page.textContent("#who")).toContain("through eu");
  expect(await page.textContent("#app-user")).toBe(appUser);
  expect(await page.textContent("#files")).toBe("witness list (draft), evidence index");
  expect((await authenticator.credentials())[0]?.signCount).toBeGreaterThan(registeredCount);
});
