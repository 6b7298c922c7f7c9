/**
 * `idswitch demo --open` in Chromium, clicked through as a person would:
 * sign in on the Entra ID emulator's page, Microsoft disables the account,
 * the refresh is refused and the EU sign-in offered, sign in on the spare's
 * login page (Keycloak-lite here; the real Keycloak's page is covered by
 * story.test.ts), and the same app user with the same case files. Then the
 * passkey story with Chromium's own WebAuthn (a virtual authenticator): Ada
 * enrols a passkey at the spare through Keycloak's application-initiated
 * action, her password there is removed, Microsoft disables her, and she
 * signs in at the spare with the passkey alone as the same app user.
 *
 * A failed test leaves its last page in reports/screenshots/<test>.png;
 * `E2E_STORY_SCREENSHOTS=1` writes the pictures to test/e2e/screenshots/demo-*.png.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type OpenDemo, openDemo } from "../support/open-demo.js";
import { failureScreenshot, launchChromium, newPage, save, storyScreenshot } from "./support/chromium.js";
import { virtualAuthenticator } from "./support/virtual-authenticator.js";

let browser: Browser;
let current: { context: BrowserContext; page: Page } | undefined;
let demo: OpenDemo | undefined;
let origin: string;

beforeAll(async () => {
  [demo, browser] = await Promise.all([openDemo(), launchChromium()]);
  origin = demo.url;
});
afterAll(async () => {
  await browser?.close();
  demo?.stop();
  await demo?.exit;
});
afterEach(async (ctx) => {
  const open = current;
  current = undefined;
  if (!open) return;
  if (ctx.task.result?.state === "fail") await save(open.page, failureScreenshot(ctx.task.name));
  await open.context.close();
});

/** The demo accounts the home page lists: Entra ID first, then the spare. */
async function accounts(page: Page): Promise<Array<{ username: string; password: string }>> {
  const items = await page.locator("li").allTextContents();
  return items.map((text) => {
    const [, username = "", password = ""] = /: (\S+) \/ (\S+)$/.exec(text) ?? [];
    return { username, password };
  });
}

/** Day one at the demo: Ada signs in on the Entra ID emulator's page; resolves her app user. */
async function signInAtEntra(page: Page, atEntra: { username: string; password: string } | undefined) {
  await page.click("#sign-in");
  await page.waitForURL((url) => !url.href.startsWith(origin));
  await expect.poll(() => page.title()).toBe("Sign in to your account");
  await page.fill("#i0116", atEntra?.username ?? "");
  await page.fill("#i0118", atEntra?.password ?? "");
  await page.click("#idSIButton9");
  await page.waitForURL((url) => url.href.startsWith(origin));
  expect(await page.textContent("#who")).toContain("through entra");
  return (await page.textContent("#app-user")) ?? "";
}

describe("idswitch demo --open in Chromium", () => {
  it("suspended at Entra ID, offered the EU sign-in, back as the same app user with the same files", async () => {
    current = await newPage(browser);
    const { page } = current;
    await page.goto(origin);
    const [atEntra, atSpare] = await accounts(page);
    expect(atEntra?.username).toBe("ada@icc-demo.example");

    await page.click("#sign-in");
    await page.waitForURL((url) => !url.href.startsWith(origin));
    await expect.poll(() => page.title()).toBe("Sign in to your account");
    await page.fill("#i0116", atEntra?.username ?? "");
    await page.fill("#i0118", atEntra?.password ?? "");
    await page.click("#idSIButton9");
    await page.waitForURL((url) => url.href.startsWith(origin));
    expect(await page.textContent("#who")).toContain("through entra");
    const appUser = await page.textContent("#app-user");
    expect(appUser).toMatch(/^[0-9a-f-]{36}$/);
    await storyScreenshot(page, "demo-signed-in-at-entra");

    await page.getByRole("button", { name: "Microsoft disables Ada's account" }).click();
    expect(await page.textContent("#entra-state")).toBe("disabled");
    await page.getByRole("button", { name: /Refresh the session/ }).click();
    expect(await page.textContent("#notice")).toContain("account_disabled");
    await storyScreenshot(page, "demo-chooser");

    await page.locator("#chooser a.alternative").click();
    await page.waitForURL((url) => url.pathname.includes("/realms/eu-login/"));
    await page.fill("#username", atSpare?.username ?? "");
    await page.fill("#password", atSpare?.password ?? "");
    await page.click("#kc-login");
    await page.waitForURL((url) => url.href.startsWith(origin));
    expect(await page.textContent("#who")).toContain("through eu");
    expect(await page.textContent("#app-user")).toBe(appUser);
    expect(await page.textContent("#files")).toBe("witness list (draft), evidence index");
    expect(await page.textContent("#notice")).toContain("the same app user as before");
    await storyScreenshot(page, "demo-same-user");
  });

  it("enrols a passkey at the spare, and signs in there with it alone once Microsoft disables Ada", async () => {
    current = await newPage(browser);
    const { page } = current;
    const authenticator = await virtualAuthenticator(page);
    await page.goto(origin);
    // The demo is shared with the test above, which left Ada disabled at Entra ID.
    if ((await page.textContent("#entra-state")) === "disabled") {
      await page.getByRole("button", { name: "Microsoft re-enables Ada's account" }).click();
    }
    const [atEntra, atSpare] = await accounts(page);
    const appUser = await signInAtEntra(page, atEntra);

    await page.getByRole("button", { name: "Enrol a passkey at the spare" }).click();
    await page.waitForURL((url) => url.pathname.includes("/realms/eu-login/"));
    expect(await page.inputValue("#username")).toBe(atSpare?.username); // the app's login_hint
    await page.fill("#password", atSpare?.password ?? "");
    await page.click("#kc-login");
    await expect.poll(() => page.textContent("#kc-page-title")).toBe("Passkey Registration");
    await storyScreenshot(page, "demo-passkey-1-register");
    await page.waitForLoadState("load"); // the page's script must be there to answer the click
    // As Keycloak's webauthnRegister.js, the page asks for a label with window.prompt.
    page.once("dialog", (dialog) => void dialog.accept("Ada's laptop"));
    await page.click("#registerWebAuthn");
    await page.waitForURL((url) => url.href.startsWith(origin));
    expect(await page.textContent("#notice")).toContain(
      "A passkey was registered at the spare for this app user",
    );
    expect(await page.textContent("#who")).toContain("through entra"); // the app kept her session
    expect(await page.textContent("#app-user")).toBe(appUser);
    const spareAccount = (await page.locator("li").allTextContents())[1] ?? "";
    expect(spareAccount).toContain("no password: passkey only");
    expect(spareAccount).not.toContain(atSpare?.password ?? "(none)");
    await storyScreenshot(page, "demo-passkey-2-registered");
    const [passkey] = await authenticator.credentials();
    expect(passkey).toMatchObject({ rpId: "localhost", isResidentCredential: true });
    const registeredCount = passkey?.signCount ?? 0;

    await page.getByRole("button", { name: "Microsoft disables Ada's account" }).click();
    await page.getByRole("button", { name: /Refresh the session/ }).click();
    expect(await page.textContent("#notice")).toContain("account_disabled");
    await page.locator("#chooser a.alternative").click();
    await page.waitForURL((url) => url.pathname.includes("/realms/eu-login/")); // waits for "load" too
    const button = page.locator("#authenticateWebAuthnButton");
    expect(await button.textContent()).toContain("Sign in with Passkey");
    await storyScreenshot(page, "demo-passkey-3-sign-in");
    await button.click(); // no username typed, no password: the passkey alone
    await page.waitForURL((url) => url.href.startsWith(origin));
    expect(await page.textContent("#who")).toContain("through eu");
    expect(await page.textContent("#app-user")).toBe(appUser);
    expect(await page.textContent("#files")).toBe("witness list (draft), evidence index");
    expect(await page.textContent("#notice")).toContain("the same app user as before");
    expect((await authenticator.credentials())[0]?.signCount).toBeGreaterThan(registeredCount);
    await storyScreenshot(page, "demo-passkey-4-same-user");
  });
});
