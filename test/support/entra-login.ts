// Headless sign-in through the Entra emulator's own pages over plain HTTP (no browser): the sign-in page
// behind the authorize URL, and the device page. The pages keep the real service's field names
// (`login`, `passwd`, `ctx`, `flowToken`, `otc`); refusals carry the AADSTS message in `#error-message`.

export interface Credentials {
  username: string;
  password: string;
}

/** The emulator redirected (or form-posted) to the client: the URL is returned, not fetched. */
export interface SignedIn {
  callbackUrl: string;
  /** With `response_mode=form_post`: the fields the page would post to `callbackUrl`. */
  formPost?: Record<string, string>;
}

/** The emulator showed a refusal on its page; `error` is the AADSTS message (`AADSTS50126: …`). */
export interface SignInError {
  error: string;
}

export type SignInResult = SignedIn | SignInError;

const MAX_REDIRECTS = 10;

/**
 * Opens `authorizationUrl`, submits username and password on the sign-in page and follows redirects
 * until one points at `redirectUriPrefix`. Errors that Entra redirects (`?error=…`) come back as a
 * `callbackUrl`; errors it shows on its page (unknown client, wrong password, disabled user…) as `error`.
 */
export async function signInThroughSignInPage(
  authorizationUrl: string,
  credentials: Credentials,
  options: { redirectUriPrefix: string },
): Promise<SignInResult> {
  const browser = new Browser(authorizationUrl);
  const stop = options.redirectUriPrefix;
  const first = await browser.open(authorizationUrl, stop);
  if ("callbackUrl" in first) return first;
  const form = findForms(first.html).find((f) => f.fields.includes("passwd"));
  if (!form) return pageError(first);
  const fields = { login: credentials.username, passwd: credentials.password };
  const after = await browser.submit(form, first.url, fields, stop);
  if ("callbackUrl" in after) return after;
  const post = findForms(after.html).find((f) => f.name === "hiddenform");
  if (post?.action.startsWith(stop)) return { callbackUrl: post.action, formPost: post.hidden };
  return pageError(after);
}

/**
 * The person's side of a device login on the emulator's device page (`${emulatorUrl}/devicelogin`):
 * enters `userCode`, then signs in. Throws with the page's message when the page refuses.
 */
export async function approveDeviceLogin(
  emulatorUrl: string,
  userCode: string,
  credentials: Credentials,
): Promise<void> {
  const { browser, page } = await enterUserCode(emulatorUrl, userCode);
  const form = findForms(page.html).find((f) => f.fields.includes("passwd"));
  if (!form) throw new Error(`device login: no sign-in form (${messageOf(page.html) ?? "no message"})`);
  const done = await browser.submit(form, page.url, {
    login: credentials.username,
    passwd: credentials.password,
  });
  if ("callbackUrl" in done || !/id="deviceDone"/.test(done.html)) {
    throw new Error(
      `device login refused: ${"html" in done ? (messageOf(done.html) ?? "no message") : done.callbackUrl}`,
    );
  }
}

/** Enters `userCode` on the device page and presses Cancel: the device then polls `authorization_declined`. */
export async function declineDeviceLogin(emulatorUrl: string, userCode: string): Promise<void> {
  const { browser, page } = await enterUserCode(emulatorUrl, userCode);
  const cancel = findForms(page.html).find((f) => f.id === "cancelForm");
  if (!cancel) throw new Error(`device login: no Cancel button (${messageOf(page.html) ?? "no message"})`);
  const done = await browser.submit(cancel, page.url, {});
  if ("callbackUrl" in done || !/id="deviceDeclined"/.test(done.html))
    throw new Error("device login: decline failed");
}

async function enterUserCode(
  emulatorUrl: string,
  userCode: string,
): Promise<{ browser: Browser; page: Page }> {
  const start = `${emulatorUrl.replace(/\/+$/, "")}/devicelogin`;
  const browser = new Browser(start);
  const codePage = await browser.open(start);
  if ("callbackUrl" in codePage) throw new Error("device login: unexpected redirect");
  const form = findForms(codePage.html).find((f) => f.fields.includes("otc"));
  if (!form) throw new Error("device login: no code form");
  const page = await browser.submit(form, codePage.url, { otc: userCode });
  if ("callbackUrl" in page) throw new Error("device login: unexpected redirect");
  const message = messageOf(page.html);
  if (message && findForms(page.html).some((f) => f.fields.includes("otc"))) {
    throw new Error(`device login: code refused: ${message}`);
  }
  return { browser, page };
}

function pageError(page: Page): SignInError {
  const message = messageOf(page.html);
  if (message) return { error: message };
  throw new Error(`sign-in ended on an unexpected page at ${page.url} (HTTP ${page.status})`);
}

// ---- a tiny browser: one origin, a cookie jar, manual redirects ---------------------------------

interface Page {
  url: string;
  status: number;
  html: string;
}

class Browser {
  readonly #origin: string;
  readonly #cookies = new Map<string, string>();

  constructor(startUrl: string) {
    this.#origin = new URL(startUrl).origin;
  }

  open(url: string, stopPrefix?: string): Promise<Page | SignedIn> {
    return this.#follow(url, { method: "GET" }, stopPrefix);
  }

  submit(form: HtmlForm, pageUrl: string, fields: Record<string, string>, stopPrefix?: string) {
    const body = new URLSearchParams({ ...form.hidden, ...fields });
    return this.#follow(new URL(form.action || pageUrl, pageUrl).href, { method: "POST", body }, stopPrefix);
  }

  async #follow(url: string, init: RequestInit, stopPrefix?: string): Promise<Page | SignedIn> {
    let current = url;
    let request = init;
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
      if (stopPrefix !== undefined && current.startsWith(stopPrefix)) return { callbackUrl: current };
      const response = await this.#fetch(current, request);
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || !location) {
        return { url: current, status: response.status, html: await response.text() };
      }
      await response.body?.cancel();
      current = new URL(location, current).href;
      request = { method: "GET" };
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects starting at ${url}`);
  }

  async #fetch(url: string, init: RequestInit): Promise<Response> {
    if (new URL(url).origin !== this.#origin) throw new Error(`refusing to follow a redirect to ${url}`);
    const headers = new Headers(init.headers);
    headers.set("accept", "text/html,application/xhtml+xml");
    if (this.#cookies.size > 0) {
      headers.set("cookie", [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return response;
  }
}

// ---- minimal HTML parsing -------------------------------------------------------------------------

interface HtmlForm {
  id: string;
  name: string;
  action: string;
  /** Names of every `<input>` in the form. */
  fields: string[];
  /** name → value of the hidden inputs, posted back as they are. */
  hidden: Record<string, string>;
}

function findForms(html: string): HtmlForm[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map((match) => {
    const attributes = parseAttributes(match[1] ?? "");
    const inputs = [...(match[2] ?? "").matchAll(/<input\b([^>]*)>/gi)].map((m) =>
      parseAttributes(m[1] ?? ""),
    );
    const hidden: Record<string, string> = {};
    for (const input of inputs) {
      if (input.type?.toLowerCase() === "hidden" && input.name) hidden[input.name] = input.value ?? "";
    }
    return {
      id: attributes.id ?? "",
      name: attributes.name ?? "",
      action: attributes.action ?? "",
      fields: inputs.map((input) => input.name ?? "").filter(Boolean),
      hidden,
    };
  });
}

function parseAttributes(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of tag.matchAll(/([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    if (match[1]) attributes[match[1].toLowerCase()] = decodeEntities(match[2] ?? match[3] ?? "");
  }
  return attributes;
}

/** The AADSTS message a page shows (`#error-message`). */
function messageOf(html: string): string | undefined {
  const text = /<div\b[^>]*id="error-message"[^>]*>([\s\S]*?)<\/div>/i.exec(html)?.[1];
  return text === undefined ? undefined : decodeEntities(text.replace(/<[^>]+>/g, "")).trim();
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, code: string) => {
    if (/^#x/i.test(code)) return String.fromCodePoint(Number.parseInt(code.slice(2), 16));
    if (code.startsWith("#")) return String.fromCodePoint(Number.parseInt(code.slice(1), 10));
    return named[code.toLowerCase()] ?? entity;
  });
}
