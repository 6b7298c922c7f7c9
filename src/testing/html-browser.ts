// A tiny headless browser for sign-in pages over plain HTTP: one origin, a cookie jar, manual
// redirects, and minimal HTML parsing (regexes over <form>/<input> tags). Drives the Entra
// emulator's, the real Keycloak's and Keycloak-lite's pages in tests and in the demo; no dependencies.

const MAX_REDIRECTS = 20;

/** A redirect reached the stop prefix (the client's redirect URI); the URL is returned, not fetched. */
export interface Redirected {
  callbackUrl: string;
}

export interface Page {
  url: string;
  status: number;
  html: string;
}

export class Browser {
  readonly #origin: string;
  readonly #cookies = new Map<string, string>();
  readonly #send: typeof fetch;

  /** `send`: the fetch to use (default the global one; an https emulator's needs its CA trusted). */
  constructor(startUrl: string, send: typeof fetch = fetch) {
    this.#origin = new URL(startUrl).origin;
    this.#send = send;
  }

  open(url: string, stopPrefix?: string): Promise<Page | Redirected> {
    return this.#follow(url, { method: "GET" }, stopPrefix);
  }

  /** Posts the form's hidden inputs plus `fields`, then follows redirects. */
  submit(form: HtmlForm, pageUrl: string, fields: Record<string, string>, stopPrefix?: string) {
    const body = new URLSearchParams({ ...form.hidden, ...fields });
    const action = new URL(form.action || pageUrl, pageUrl).href; // the consent form's action is relative
    return this.#follow(action, { method: "POST", body }, stopPrefix);
  }

  async #follow(url: string, init: RequestInit, stopPrefix?: string): Promise<Page | Redirected> {
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
      const next = new URL(location, current).href;
      if (stopPrefix !== undefined && next.startsWith(stopPrefix)) return { callbackUrl: next };
      current = next;
      request = { method: "GET" };
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects starting at ${url}`);
  }

  async #fetch(url: string, init: RequestInit): Promise<Response> {
    // The jar holds the provider's session cookies; never hand them to another host.
    if (new URL(url).origin !== this.#origin) throw new Error(`refusing to follow a redirect to ${url}`);
    const headers = new Headers(init.headers);
    // Like a browser. It matters: Keycloak routes a POST to /realms/{r}/device by Accept header —
    // with */* the user-code form lands on the device *authorization* endpoint (401 invalid_client).
    headers.set("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
    if (this.#cookies.size > 0) headers.set("cookie", this.#cookieHeader());
    const response = await this.#send(url, { ...init, headers, redirect: "manual" });
    this.#store(response.headers.getSetCookie());
    return response;
  }

  #cookieHeader(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  // Paths are ignored: every cookie set here belongs to the one realm or tenant being used.
  #store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      if (isExpiry(attributes)) this.#cookies.delete(name);
      else this.#cookies.set(name, pair.slice(eq + 1).trim());
    }
  }
}

/** Servers delete cookies with `Max-Age=0` and/or an `Expires` in the past (Keycloak does both). */
function isExpiry(attributes: string[]): boolean {
  return attributes.some((attribute) => {
    const [key = "", value = ""] = attribute.split("=").map((s) => s.trim());
    if (key.toLowerCase() === "max-age") return Number(value) <= 0;
    if (key.toLowerCase() === "expires") return Date.parse(value) < Date.now();
    return false;
  });
}

export interface HtmlForm {
  id: string;
  name: string;
  action: string;
  /** Names of every `<input>` in the form. */
  fields: string[];
  /** name → value of `<input type="hidden">` fields, which must be posted back (code, credentialId...). */
  hidden: Record<string, string>;
  body: string;
}

export function findForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attributes = parseAttributes(match[1] ?? "");
    const body = match[2] ?? "";
    forms.push({
      id: attributes.id ?? "",
      name: attributes.name ?? "",
      action: attributes.action ?? "",
      fields: [...body.matchAll(/<input\b([^>]*)>/gi)]
        .map((m) => parseAttributes(m[1] ?? "").name ?? "")
        .filter(Boolean),
      hidden: hiddenInputs(body),
      body,
    });
  }
  return forms;
}

export function findForm(html: string, predicate: (form: HtmlForm) => boolean): HtmlForm | undefined {
  return findForms(html).find(predicate);
}

function hiddenInputs(formBody: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of formBody.matchAll(/<input\b([^>]*)>/gi)) {
    const attributes = parseAttributes(match[1] ?? "");
    if (attributes.type?.toLowerCase() === "hidden" && attributes.name) {
      fields[attributes.name] = attributes.value ?? "";
    }
  }
  return fields;
}

export function parseAttributes(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of tag.matchAll(/([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    const name = match[1];
    if (name) attributes[name.toLowerCase()] = decodeEntities(match[2] ?? match[3] ?? "");
  }
  return attributes;
}

export function textOf(fragment: string): string {
  const withoutMarkup = fragment.replace(/<!--[\s\S]*?-->/g, "").replace(/<[^>]+>/g, " ");
  return decodeEntities(withoutMarkup).replace(/\s+/g, " ").trim();
}

export function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, code: string) => {
    if (code.startsWith("#x") || code.startsWith("#X"))
      return String.fromCodePoint(Number.parseInt(code.slice(2), 16));
    if (code.startsWith("#")) return String.fromCodePoint(Number.parseInt(code.slice(1), 10));
    return named[code.toLowerCase()] ?? entity;
  });
}
