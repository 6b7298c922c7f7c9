/**
 * `idswitch demo --open` in Chromium, clicked through as a person would:
 * sign in on the Entra ID emulator's page, Microsoft disables the account,
 * the refresh is refused and the EU sign-in offered, sign in on the spare's
 * login page (Keycloak-lite here; the real Keycloak's page is covered by
 * story.test.ts), and the same app user with the same case files.
 *
 * A failed test leaves its last page in reports/screenshots/<test>.png;
 * `E2E_STORY_SCREENSHOTS=1` writes the pictures to test/e2e/screenshots/demo-*.png.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type OpenDemo, openDemo } from "../support/open-demo.js";
import { failureScreenshot, launchChromium, newPage, save, storyScreenshot } from "./support/chromium.js";

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
});
