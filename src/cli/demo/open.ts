/**
 * `idswitch demo --open`: the same world as the narrated story (the Entra ID
 * emulator, the EU spare, Ada at both, linked through the mirror's claim),
 * served as a small web app on localhost so a person can click through it:
 * sign in at Entra, have Microsoft disable the account, be offered the EU
 * sign-in, come back as the same app user; take Entra down and watch the
 * sync job's tokens come from the spare. Each step is narrated on stdout.
 *
 * Node's own HTTP server and the core API only: the demo does not need a
 * web framework installed.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createIdentity,
  type Identity,
  type IdentityLoginState,
  type IdentitySession,
  isIdSwitchError,
} from "idswitch";
import { createEntraEmulator } from "idswitch/testing";
import type { Narrator } from "./narrator.js";
import { homePage } from "./open-pages.js";
import type { Spare } from "./spare.js";
import { setUp, type World } from "./story.js";

export interface OpenDemoOptions {
  readonly spare: Spare;
  readonly narrator: Narrator;
  /** Where the app listens; the redirect URIs are registered for it. */
  readonly port: number;
}

export interface OpenDemo {
  /** The app's address, e.g. http://localhost:3000/. */
  readonly url: string;
  close(): Promise<void>;
}

interface Visitor {
  session: IdentitySession | undefined;
  pending: IdentityLoginState | undefined;
  notice: string | undefined;
  alternatives: string[];
}

const COOKIE = "idswitch_demo";

export async function startOpenDemo({ spare, narrator, port }: OpenDemoOptions): Promise<OpenDemo> {
  const origin = `http://localhost:${port}`;
  const entra = await createEntraEmulator();
  let world: World;
  try {
    world = await setUp(entra, spare, `${origin}/callback/entra`);
  } catch (err) {
    await entra.close();
    throw err;
  }
  const identity = createIdentity({
    providers: [world.entraWeb, world.euWeb],
    routing: { order: ["entra", "eu"], breaker: { consecutiveFailures: 1, openMs: 1_000 } },
    linking: { claim: { name: spare.linkClaim, provider: "entra", from: ["eu"] } },
  });
  const daemons = world.daemons();
  daemons.on("failover", (e) =>
    narrator.say(`event failover: ${e.operation} ${e.from} → ${e.to} (${e.code})`),
  );
  identity.on("account-suspended", (e) =>
    narrator.say(`event account-suspended: ${e.provider} said ${e.code}`),
  );
  const visitors = new Map<string, Visitor>();
  const files = new Map<string, string[]>(); // the application's own data, keyed by app user
  const controls = { entraState: "active" as "active" | "disabled", entraReachable: true };

  const app = new DemoApp({
    origin,
    identity,
    daemons,
    world,
    spare,
    narrator,
    visitors,
    files,
    controls,
    entra,
  });
  const server = createServer((req, res) => {
    app.handle(req, res).catch((err: unknown) => {
      narrator.say(`request failed: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("The demo app failed on this request; see the terminal.");
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
  } catch (err) {
    await Promise.all([identity.close(), daemons.close(), entra.close()]);
    const busy = (err as NodeJS.ErrnoException).code === "EADDRINUSE";
    throw new Error(busy ? `port ${port} is in use (choose another with --port)` : (err as Error).message);
  }
  return {
    url: `${origin}/`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([identity.close(), daemons.close(), entra.close()]);
    },
  };
}

interface DemoAppParts {
  readonly origin: string;
  readonly identity: Identity;
  readonly daemons: Identity;
  readonly world: World;
  readonly spare: Spare;
  readonly narrator: Narrator;
  readonly visitors: Map<string, Visitor>;
  readonly files: Map<string, string[]>;
  readonly controls: { entraState: "active" | "disabled"; entraReachable: boolean };
  readonly entra: Awaited<ReturnType<typeof createEntraEmulator>>;
}

class DemoApp {
  constructor(private readonly p: DemoAppParts) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const [id, visitor] = this.#visitor(req, res);
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /") return this.#home(res, visitor);
    if (route === "GET /login")
      return this.#login(res, visitor, url.searchParams.get("provider") ?? undefined);
    if (req.method === "GET" && url.pathname.startsWith("/callback"))
      return this.#callback(req, res, visitor);
    if (req.method === "POST") {
      const form = new URLSearchParams(await body(req));
      if (route === "POST /refresh") await this.#refresh(visitor);
      else if (route === "POST /logout") this.p.visitors.delete(id);
      else if (route === "POST /demo/suspend") this.#setEntraState(visitor, "disabled");
      else if (route === "POST /demo/restore") this.#setEntraState(visitor, "active");
      else if (route === "POST /demo/outage") this.#outage(visitor, form.get("down") === "1");
      else if (route === "POST /demo/service-token") await this.#serviceToken(visitor);
      else return notFound(res);
      return redirect(res, "/");
    }
    return notFound(res);
  }

  #visitor(req: IncomingMessage, res: ServerResponse): [string, Visitor] {
    const cookie = /(?:^|;\s*)idswitch_demo=([0-9a-f-]{36})/.exec(req.headers.cookie ?? "")?.[1];
    let visitor = cookie ? this.p.visitors.get(cookie) : undefined;
    if (cookie && visitor) return [cookie, visitor];
    const id = randomUUID();
    visitor = { session: undefined, pending: undefined, notice: undefined, alternatives: [] };
    this.p.visitors.set(id, visitor);
    res.setHeader("set-cookie", `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`);
    return [id, visitor];
  }

  #home(res: ServerResponse, visitor: Visitor): void {
    const { world, spare, controls, files } = this.p;
    const session = visitor.session;
    const html = homePage({
      signedIn: session
        ? {
            appUserId: session.appUserId,
            provider: session.provider,
            name: session.principal.name ?? session.principal.username ?? session.principal.subject,
            files: files.get(session.appUserId) ?? [],
          }
        : undefined,
      notice: visitor.notice,
      alternatives: visitor.alternatives,
      accounts: [
        { where: "Microsoft Entra ID (emulator)", ...world.ada },
        { where: `EU spare (${spare.label})`, ...world.adaAtSpare },
      ],
      entraState: controls.entraState,
      entraReachable: controls.entraReachable,
      spareLabel: spare.label,
    });
    visitor.notice = undefined;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html);
  }

  async #login(res: ServerResponse, visitor: Visitor, provider: string | undefined): Promise<void> {
    try {
      const request = await this.p.identity.beginLogin(provider ? { provider } : {});
      visitor.pending = request.state;
      this.p.narrator.say(`sign-in starts at ${request.state.provider}`);
      redirect(res, request.url.href);
    } catch (err) {
      visitor.notice = `Sign-in could not start: ${describe(err)}`;
      redirect(res, "/");
    }
  }

  async #callback(req: IncomingMessage, res: ServerResponse, visitor: Visitor): Promise<void> {
    const pending = visitor.pending;
    visitor.pending = undefined;
    if (!pending) {
      visitor.notice = "That sign-in was not started here (or was already used).";
      return redirect(res, "/");
    }
    try {
      const session = await this.p.identity.completeLogin(`${this.p.origin}${req.url ?? "/"}`, pending);
      visitor.session = session;
      visitor.alternatives = [];
      const known = this.p.files.has(session.appUserId);
      if (!known) this.p.files.set(session.appUserId, ["witness list (draft)", "evidence index"]);
      visitor.notice = `Signed in at ${session.provider}: ${known ? "the same app user as before, with the same case files" : "a new app user"}.`;
      this.p.narrator.say(
        `signed in at ${session.provider} · app user ${session.appUserId}${known ? " (same as before)" : ""}`,
      );
    } catch (err) {
      visitor.notice = `Sign-in failed: ${describe(err)}`;
    }
    redirect(res, "/");
  }

  async #refresh(visitor: Visitor): Promise<void> {
    const session = visitor.session;
    if (!session) return;
    try {
      visitor.session = await this.p.identity.refresh(session);
      visitor.notice = `Refreshed at ${session.provider}: still signed in.`;
    } catch (err) {
      visitor.session = undefined;
      visitor.alternatives = isIdSwitchError(err) ? [...(err.alternatives ?? [])] : [];
      visitor.notice = `${session.provider} refused the refresh: ${describe(err)}`;
      this.p.narrator.say(
        `refresh refused at ${session.provider}: ${describe(err)} · alternatives ${JSON.stringify(visitor.alternatives)}`,
      );
    }
  }

  #setEntraState(visitor: Visitor, state: "active" | "disabled"): void {
    // Microsoft acting on an order from outside: nothing in the tenant's own audit log.
    this.p.entra.setUserState(this.p.world.ada.oid, state, { audit: false });
    this.p.controls.entraState = state;
    visitor.notice =
      state === "disabled" ? "Microsoft disabled Ada's account." : "Microsoft re-enabled Ada's account.";
    this.p.narrator.say(visitor.notice);
  }

  #outage(visitor: Visitor, down: boolean): void {
    if (down) this.p.entra.fault({ endpoint: "all", mode: "refused" });
    else this.p.entra.clearFaults();
    this.p.controls.entraReachable = !down;
    visitor.notice = down ? "Entra ID now refuses every connection." : "Entra ID is reachable again.";
    this.p.narrator.say(visitor.notice);
  }

  async #serviceToken(visitor: Visitor): Promise<void> {
    try {
      const tokens = await this.p.daemons.clientCredentials({ scope: { entra: this.p.world.entraScope } });
      const issuer = String(JSON.parse(atob(base64(tokens.accessToken.split(".")[1] ?? ""))).iss);
      visitor.notice = `The sync job got a token from ${issuer}`;
    } catch (err) {
      visitor.notice = `The sync job got no token: ${describe(err)}`;
    }
    this.p.narrator.say(visitor.notice);
  }
}

function describe(err: unknown): string {
  return isIdSwitchError(err) ? `${err.code} (${err.message})` : (err as Error).message;
}

function base64(b64url: string): string {
  return b64url.replace(/-/g, "+").replace(/_/g, "/");
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location });
  res.end();
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("Not found");
}

async function body(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 10_000) throw new Error("form too large");
  }
  return text;
}
