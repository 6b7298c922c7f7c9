/**
 * The failover story in a real browser: Debian's Chromium, driven by
 * playwright-core, through the example web app's twin (test/e2e/support/twin-app.ts)
 * — the Entra ID emulator's sign-in page, the REAL Keycloak login page, a
 * suspension that ends at the chooser and comes back as the same app user,
 * and an Entra outage that sends a new sign-in to Keycloak.
 *
 * A failed test leaves its last page in reports/screenshots/<test>.png.
 * `E2E_STORY_SCREENSHOTS=1` also writes the story's pictures to test/e2e/screenshots/.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { newUser, type TestUser } from "../support/keycloak-env.js";
import { failureScreenshot, launchChromium, newPage, save, storyScreenshot } from "./support/chromium.js";
import { type EntraTestUser, startTwinApp, type TwinApp } from "./support/twin-app.js";

let app: TwinApp;
let browser: Browser;
let current: { context: BrowserContext; page: Page } | undefined;

beforeAll(async () => {
  [app, browser] = await Promise.all([startTwinApp(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});
afterEach(async (ctx) => {
  const open = current;
  current = undefined;
  if (!open) return;
  if (ctx.task.result?.state === "fail") await save(open.page, failureScreenshot(ctx.task.name));
  await open.context.close();
});

/** A fresh browser profile (no cookies anywhere) for this test. */
async function freshPage(): Promise<Page> {
  current = await newPage(browser);
  return current.page;
}

const link = (page: Page, name: string) => page.getByRole("link", { name, exact: true });

/** On the Entra ID emulator's sign-in page: type the account, submit, and come back to the app. */
async function entraSignIn(page: Page, user: EntraTestUser, story?: string): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`${app.entra.url}/`));
  await expect.poll(() => page.title()).toBe("Sign in to your account");
  await page.fill("#i0116", user.username);
  await page.fill("#i0118", user.password);
  if (story) await storyScreenshot(page, story);
  await page.click("#idSIButton9");
  await page.waitForURL((url) => url.href.startsWith(`${app.origin}/`));
}

/** On the real Keycloak login page (realm idswitch): type the account, submit, and come back to the app. */
async function keycloakSignIn(page: Page, user: TestUser, story?: string): Promise<void> {
  await page.waitForURL((url) =>
    url.href.startsWith(`${app.keycloakUrl}/realms/idswitch/protocol/openid-connect/auth?`),
  );
  await page.fill("#username", user.username);
  await page.fill("#password", user.password);
  // Keycloak's textured background makes a full page heavy: the picture keeps its centred login card.
  if (story) await storyScreenshot(page, story, { x: 200, y: 100, width: 600, height: 480 });
  await page.click("#kc-login");
  await page.waitForURL((url) => url.href.startsWith(`${app.origin}/`));
}

/** The app's /me page, as a person reads it: who, which app user, signed in where. */
async function signedIn(page: Page): Promise<{ heading: string; appUserId: string; provider: string }> {
  expect(new URL(page.url()).pathname).toBe("/me");
  const heading = (await page.textContent("h1")) ?? "";
  const appUserId = (await page.textContent("p code")) ?? "";
  const provider = (await page.textContent("p b")) ?? "";
  expect(heading).toMatch(/^Hello, /);
  expect(appUserId).not.toBe("");
  return { heading, appUserId, provider };
}

describe("the example web app in Chromium", () => {
  it("signs in through the Entra ID emulator's sign-in page", async () => {
    const page = await freshPage();
    const ada = app.newEntraUser();
    await page.goto(`${app.origin}/`);
    await link(page, "Sign in").click();
    await entraSignIn(page, ada, "entra-sign-in");
    const me = await signedIn(page);
    expect(me.heading).toBe(`Hello, ${ada.displayName}`);
    expect(me.provider).toBe("entra");
    // The session is a real one: reloading the protected page keeps the person signed in.
    await page.reload();
    expect((await signedIn(page)).appUserId).toBe(me.appUserId);
  });

  it("signs in through the real Keycloak login page", async () => {
    const page = await freshPage();
    const grace = await newUser();
    await page.goto(`${app.origin}/`);
    await link(page, "Sign in with the EU provider").click();
    await keycloakSignIn(page, grace, "keycloak-sign-in");
    const me = await signedIn(page);
    expect(me.heading).toBe(`Hello, ${grace.username} Test`); // Keycloak's `name`: first and last name
    expect(me.provider).toBe("eu");
  });

  it("suspension: Entra ID disables the person, the chooser offers the EU account, which is the same app user", async () => {
    const ada = app.newEntraUser();
    const euAccount = await newUser();

    // Day one: Ada signs in at Entra ID and links her EU account through the app.
    const linking = await freshPage();
    await linking.goto(`${app.origin}/`);
    await link(linking, "Sign in").click();
    await entraSignIn(linking, ada);
    const first = await signedIn(linking);
    expect(first.provider).toBe("entra");
    await link(linking, "Also sign in with the EU provider").click();
    await keycloakSignIn(linking, euAccount);
    const linked = await signedIn(linking);
    expect(linked).toMatchObject({ provider: "eu", appUserId: first.appUserId });
    await current?.context.close();

    // Day two, a fresh browser: Ada signs in at Entra ID again.
    const page = await freshPage();
    await page.goto(`${app.origin}/me`); // requireAuth sends her to sign in, and back here
    await entraSignIn(page, ada);
    const before = await signedIn(page);
    expect(before).toMatchObject({ provider: "entra", appUserId: first.appUserId });

    // Entra ID disables her. Its access tokens live 60 s, so the next page refreshes and is refused.
    app.entra.setUserState(ada.oid, "disabled");
    await page.reload();
    const chooser = new URL(page.url());
    expect(chooser.pathname).toBe("/choose");
    expect(chooser.searchParams.get("error")).toBe("account_disabled");
    expect(await page.textContent("h1")).toBe("Choose another way to sign in");
    expect(await page.textContent("body")).toContain("entra refused: account_disabled");
    const alternative = link(page, "Sign in with eu");
    expect(await alternative.count()).toBe(1);
    await storyScreenshot(page, "chooser");

    // She takes the EU way: Keycloak's login page, then the same app user as before.
    await alternative.click();
    await keycloakSignIn(page, euAccount);
    const after = await signedIn(page);
    expect(after).toMatchObject({ provider: "eu", appUserId: before.appUserId });
    await storyScreenshot(page, "same-user");
  });

  it("failover: while Entra ID is unreachable, a new sign-in from the app lands on Keycloak", async () => {
    const grace = await newUser();
    // The app's own health probes (every 2 s) open Entra ID's breaker after two refused connections.
    // Waiting for it matters: the app knows Entra ID's endpoints from earlier sign-ins, so without the
    // open breaker the login route would still send the browser to the unreachable Entra ID.
    const down = new Promise<void>((resolve) => {
      const stop = app.identity.on("provider-down", (event) => {
        if (event.provider !== "entra") return;
        stop();
        resolve();
      });
    });
    app.entra.fault({ endpoint: "all", mode: "refused" });
    try {
      await down;
      const page = await freshPage();
      await page.goto(`${app.origin}/`);
      await link(page, "Sign in").click();
      await keycloakSignIn(page, grace);
      const me = await signedIn(page);
      expect(me.provider).toBe("eu");
      expect(me.heading).toBe(`Hello, ${grace.username} Test`); // Keycloak's `name`: first and last name
    } finally {
      app.entra.clearFaults();
    }
  });
});
