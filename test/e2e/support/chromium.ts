/**
 * Debian's Chromium (/usr/bin/chromium, apt package `chromium`) driven by
 * playwright-core, which never downloads a browser. Loopback only.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { inject } from "vitest";
import { ensureDebianProgram } from "../../support/debian-package.js";

export const CHROMIUM = "/usr/bin/chromium";
export const VIEWPORT = { width: 1000, height: 700 };

/** Debian's Chromium, installed first when the machine lacks it (test/support/debian-package.ts). */
export async function launchChromium(): Promise<Browser> {
  await ensureDebianProgram(CHROMIUM, "chromium");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...trustKeycloakCertificate(),
    ],
  });
}

/**
 * Production-mode Keycloak serves a certificate of the test CA, which Chromium's own trust store
 * does not know. Trust exactly that key (the base64 SHA-256 of its SubjectPublicKeyInfo) rather
 * than ignoring every certificate error; Chromium honours the switch only with a profile directory
 * of its own (--user-data-dir), which playwright always passes.
 */
function trustKeycloakCertificate(): string[] {
  const tls = inject("keycloakTls");
  return tls ? [`--ignore-certificate-errors-spki-list=${tls.spkiSha256}`] : [];
}

/** A fresh browser profile per test: no cookies of the app or of either provider carry over. */
export async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  context.setDefaultTimeout(10_000);
  return { context, page: await context.newPage() };
}

/** Where a failed test's last page is kept (reports/ is git-ignored; CI keeps it). */
export const failureScreenshot = (testName: string): string =>
  join("reports", "screenshots", `${testName.replace(/[^\w.-]+/g, "-").slice(0, 120)}.png`);

/**
 * The story screenshots referenced by the closing note, written only
 * when asked (`E2E_STORY_SCREENSHOTS=1`), so ordinary runs never rewrite
 * tracked files.
 */
export async function storyScreenshot(page: Page, name: string, clip?: Clip): Promise<void> {
  if (process.env.E2E_STORY_SCREENSHOTS !== "1") return;
  await save(page, join("test", "e2e", "screenshots", `${name}.png`), clip);
}

/** A region of the viewport, e.g. to keep a textured page's picture small. */
export interface Clip {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export async function save(page: Page, path: string, clip?: Clip): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await page.screenshot(clip ? { path, clip } : { path });
}
