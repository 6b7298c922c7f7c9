/**
 * `idswitch demo --open`: the story's world served as a web app. Driven here
 * over HTTP as a browser would (cookies, redirects, the providers' own login
 * pages): sign in at Entra, Microsoft disables the account, the refresh is
 * refused and the spare offered, the spare's sign-in is the same app user;
 * Entra down → the sync job's token comes from the spare, and back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInWithPassword } from "../../src/testing/index.js";
import { type OpenDemo, openDemo } from "../support/open-demo.js";

class Browser {
  cookie = "";
  constructor(readonly origin: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(new URL(path, this.origin), {
      ...init,
      redirect: "manual",
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(init.headers as Record<string, string>),
      },
    });
    const set = response.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0] ?? "";
    return response;
  }

  async page(): Promise<string> {
    const response = await this.request("/");
    expect(response.status).toBe(200);
    return response.text();
  }

  async post(path: string, form: Record<string, string> = {}): Promise<void> {
    const response = await this.request(path, {
      method: "POST",
      body: new URLSearchParams(form).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(response.status, path).toBe(303);
  }

  /** Follows /login to the provider's page, signs in there, and brings the callback back to the app. */
  async signIn(path: string, person: { username: string; password: string }): Promise<void> {
    const start = await this.request(path);
    expect(start.status).toBe(303);
    const outcome = await signInWithPassword(start.headers.get("location") ?? "", person, {
      redirectUriPrefix: `${new URL(this.origin).origin}/callback`,
    });
    if (!("callbackUrl" in outcome)) throw new Error(`the login page refused: ${outcome.error}`);
    const back = await this.request(outcome.callbackUrl);
    expect(back.status).toBe(303);
  }
}

const text = (html: string, id: string) =>
  new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1] ?? `(no #${id})`;

describe("idswitch demo --open", () => {
  const lines: string[] = [];
  let demo: OpenDemo;
  let browser: Browser;
  let accounts: Array<{ username: string; password: string }>;

  beforeAll(async () => {
    demo = await openDemo((line) => lines.push(line));
    const url = demo.url;
    browser = new Browser(url);
    const home = await browser.page();
    accounts = [...home.matchAll(/<code>([^<]+)<\/code> \/ <code>([^<]+)<\/code>/g)].map((m) => ({
      username: m[1] ?? "",
      password: m[2] ?? "",
    }));
  });
  afterAll(async () => {
    demo?.stop();
    await demo?.exit;
  });

  it("prints where the app runs and shows the demo accounts of both providers", () => {
    expect(lines.join("\n")).toMatch(/The demo app is running: open http:\/\/localhost:\d+\//);
    expect(accounts).toHaveLength(2);
    expect(accounts[0]?.username).toBe("ada@icc-demo.example");
  });

  it("a suspension at Entra offers the spare, whose sign-in is the same app user with the same data", async () => {
    await browser.signIn("/login", accounts[0] ?? { username: "", password: "" });
    let home = await browser.page();
    expect(home).toContain("through <b>entra</b>");
    const appUser = text(home, "app-user");
    expect(appUser).toMatch(/^[0-9a-f-]{36}$/);
    expect(text(home, "files")).toBe("witness list (draft), evidence index");

    await browser.post("/demo/suspend");
    await browser.post("/refresh");
    home = await browser.page();
    expect(home).toContain("Not signed in.");
    expect(text(home, "notice")).toContain("entra refused the refresh: account_disabled");
    expect(home).toMatch(/class="alternative" href="\/login\?provider=eu"/);

    await browser.signIn("/login?provider=eu", accounts[1] ?? { username: "", password: "" });
    home = await browser.page();
    expect(home).toContain("through <b>eu</b>");
    expect(text(home, "app-user")).toBe(appUser);
    expect(text(home, "notice")).toContain("the same app user as before, with the same case files");
    expect(text(home, "files")).toBe("witness list (draft), evidence index");
    expect(lines.join("\n")).toContain(`signed in at eu · app user ${appUser} (same as before)`);
  });

  it("Entra down: the sync job's token comes from the spare; Entra back: from Entra again", async () => {
    const issuer = async () => {
      await browser.post("/demo/service-token");
      return /The sync job got a token from (\S+)/.exec(text(await browser.page(), "notice"))?.[1];
    };
    const entraIssuer = await issuer();
    expect(entraIssuer).toMatch(/\/v2\.0$/);
    await browser.post("/demo/outage", { down: "1" });
    expect(text(await browser.page(), "entra-reachable")).toBe("refusing connections");
    expect(await issuer()).toMatch(/\/realms\/eu-login$/);
    await browser.post("/demo/outage", { down: "0" });
    let back: string | undefined;
    for (let attempt = 0; attempt < 20 && back !== entraIssuer; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      back = await issuer();
    }
    expect(back).toBe(entraIssuer);
  });

  it("stops when told, exiting 0, and never prints a password", async () => {
    demo.stop();
    expect(await demo.exit).toBe(0);
    const narration = lines.join("\n");
    for (const account of accounts) expect(narration).not.toContain(account.password);
  });
});
