/**
 * `idswitch demo --open`: the same world as the narrated story (the Entra ID
 * emulator, the EU spare, Ada at both, linked through the mirror's claim),
 * served as a small web app on localhost so a person can click through it:
 * sign in at Entra, have Microsoft disable the account, be offered the EU
 * sign-in, come back as the same app user; take Entra down and watch the
 * sync job's tokens come from the spare. Or first enrol a passkey at the
 * spare (Keycloak's application-initiated action, the browser's own
 * WebAuthn), after which the spare's password is removed and the sign-in
 * there is the passkey's alone. Each step is narrated on stdout.
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
  /** The pending sign-in is the spare's passkey registration (`kc_action`), not a plain sign-in. */
  enrolling: boolean;
  notice: string | undefined;
  alternatives: string[];
}

const COOKIE = "idswitch_demo";
/** Keycloak's application-initiated action that registers a passkey (docs: "Application Initiated Actions"). */
const PASSKEY_ACTION = "webauthn-register-passwordless";

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
  const controls = {
    entraState: "active" as "active" | "disabled",
    entraReachable: true,
    passkeys: "unavailable" as "unavailable" | "ready" | "enrolled",
  };
  try {
    await spare.preparePasskeys();
    controls.passkeys = "ready";
  } catch (err) {
    // The rest of the story does not need passkeys: say why the button is missing and go on.
    narrator.say(`passkeys are not available at the spare: ${(err as Error).message}`);
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
  readonly controls: {
    entraState: "active" | "disabled";
    entraReachable: boolean;
    /** Whether the spare offers passkeys, and whether Ada has enrolled one (her password there then removed). */
    passkeys: "unavailable" | "ready" | "enrolled";
  };
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
      else if (route === "POST /passkey/enrol") return this.#enrol(res, visitor);
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
    visitor = {
      session: undefined,
      pending: undefined,
      enrolling: false,
      notice: undefined,
      alternatives: [],
    };
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
        controls.passkeys === "enrolled"
          ? { where: `EU spare (${spare.label})`, username: world.adaAtSpare.username, password: undefined }
          : { where: `EU spare (${spare.label})`, ...world.adaAtSpare },
      ],
      passkeys: controls.passkeys,
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

  /**
   * "Enrol a passkey at the spare": a sign-in at the spare for Ada, carrying Keycloak's application-initiated
   * action; Keycloak authenticates her (its login form) and shows its "Passkey Registration" page, where the
   * browser's own WebAuthn creates the passkey.
   */
  async #enrol(res: ServerResponse, visitor: Visitor): Promise<void> {
    if (this.p.controls.passkeys === "unavailable") {
      visitor.notice = "The spare does not offer passkeys in this run (see the terminal).";
      return redirect(res, "/");
    }
    try {
      const request = await this.p.identity.beginLogin({
        provider: "eu",
        loginHint: this.p.world.adaAtSpare.username,
      });
      request.url.searchParams.set("kc_action", PASSKEY_ACTION);
      visitor.pending = request.state;
      visitor.enrolling = true;
      this.p.narrator.say(
        `passkey registration starts at ${request.state.provider} (kc_action=${PASSKEY_ACTION})`,
      );
      redirect(res, request.url.href);
    } catch (err) {
      visitor.notice = `The passkey registration could not start: ${describe(err)}`;
      redirect(res, "/");
    }
  }

  async #callback(req: IncomingMessage, res: ServerResponse, visitor: Visitor): Promise<void> {
    const pending = visitor.pending;
    const enrolling = visitor.enrolling;
    visitor.pending = undefined;
    visitor.enrolling = false;
    if (!pending) {
      visitor.notice = "That sign-in was not started here (or was already used).";
      return redirect(res, "/");
    }
    const callbackUrl = `${this.p.origin}${req.url ?? "/"}`;
    if (enrolling) return this.#enrolled(res, visitor, callbackUrl, pending);
    try {
      const session = await this.p.identity.completeLogin(callbackUrl, pending);
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

  /**
   * Back from the registration: the code completes a sign-in at the spare like any other (the link claim makes
   * it the same app user), and `kc_action_status` says how the registration went. The app keeps the session
   * Ada had (Entra's), so the story can go on there. After a registration her password at the spare is removed:
   * the mirror never creates one, and her next sign-in there must be the passkey's alone.
   */
  async #enrolled(
    res: ServerResponse,
    visitor: Visitor,
    callbackUrl: string,
    pending: IdentityLoginState,
  ): Promise<void> {
    const status = new URL(callbackUrl).searchParams.get("kc_action_status") ?? "missing";
    try {
      const session = await this.p.identity.completeLogin(callbackUrl, pending);
      const same = visitor.session === undefined || visitor.session.appUserId === session.appUserId;
      visitor.session ??= session;
      if (status !== "success") {
        visitor.notice = `No passkey was registered at the spare (kc_action_status=${status}).`;
      } else if (!same) {
        visitor.notice = `The spare registered a passkey for another app user (${session.appUserId}).`;
      } else {
        const username = this.p.world.adaAtSpare.username;
        const removed = await this.p.spare.removePassword(username);
        // The registration signed her in at the spare; its SSO cookie must not stand in for the passkey later.
        await this.p.spare.signOut(username);
        this.p.controls.passkeys = "enrolled";
        visitor.notice = `A passkey was registered at the spare for this app user (kc_action_status=success)${removed ? "; her password there was removed: from now on she signs in at the spare with the passkey alone" : ""}.`;
      }
    } catch (err) {
      visitor.notice = `The passkey registration failed: ${describe(err)} (kc_action_status=${status})`;
    }
    this.p.narrator.say(visitor.notice);
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
