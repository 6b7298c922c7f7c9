/**
 * `idswitch/fastify`: the same abilities as `idswitch/express` as a Fastify 5
 * plugin — sign-in routes, session and role guards as `preHandler` hooks, and
 * bearer-token checks for APIs. Thin: it translates, `createIdentity` decides.
 *
 * @example
 * import Fastify from "fastify";
 * import { bearerAuth, idswitch } from "idswitch/fastify";
 *
 * const auth = idswitch({ identity, secret: env.SESSION_SECRET, chooserPath: "/choose" });
 * const app = Fastify();
 * await app.register(auth.plugin); // GET /auth/login, GET /auth/callback/:provider, POST /auth/logout, POST /auth/backchannel-logout (+ POST /auth/signals with `signals`)
 * app.get("/me", { preHandler: auth.requireAuth() }, (request) => request.idswitch?.session?.principal);
 * app.get("/orders", { preHandler: bearerAuth({ identity, audience: { entra: "api://orders", eu: "orders" } }) },
 *   (request) => ({ caller: request.idswitch?.principal?.subject }));
 *
 * @module idswitch/fastify
 */
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from "fastify";
import { BearerAuth, requestUrl } from "../core/bearer.js";
import { type IdswitchRequest as RequestIdentity, sessionGuards } from "../core/guard.js";
import { type WebRequest, type WebResponse, webRequest } from "../core/http.js";
import type { BearerOptionsInput, WebOptionsInput } from "../core/options.js";
import { MAX_SIGNAL_BODY, WebAuth } from "../core/web-auth.js";
import { responseParts, webRequestOf } from "../node/web-bridge.js";

export type { BearerOptionsInput, WebOptionsInput } from "../core/options.js";
export { safeReturnTo } from "../core/return-to.js";

/**
 * What idswitch knows about the request, at `request.idswitch`.
 *
 * @example
 * app.get("/me", { preHandler: auth.session() }, async (request) => ({ name: request.idswitch?.principal?.name ?? null }));
 */
export type IdswitchRequest = RequestIdentity;

declare module "fastify" {
  interface FastifyRequest {
    idswitch: IdswitchRequest | null;
  }
}

/**
 * What `idswitch()` returns for Fastify: the plugin and the guards.
 *
 * @example
 * const auth = idswitch({ identity, secret, chooserPath: "/choose" });
 * await app.register(auth.plugin);
 * app.get("/me", { preHandler: auth.requireAuth() }, (request) => request.idswitch?.session?.principal);
 */
export interface FastifyIdswitch {
  /** Registers the routes and `request.idswitch`. Register it once, at the root or in a scope. */
  readonly plugin: FastifyPluginAsync;
  /** Reads (and refreshes) the session into `request.idswitch`; lets everyone through. */
  session(): preHandlerAsyncHookHandler;
  /** No session → redirect to sign in (browsers) or 401. */
  requireAuth(): preHandlerAsyncHookHandler;
  /** As `requireAuth()`, then 403 unless the person holds one of `roles`. */
  requireRole(...roles: string[]): preHandlerAsyncHookHandler;
}

/** Fastify's own marker (what fastify-plugin sets): decorations reach the scope that registered it. */
const SKIP_OVERRIDE = Symbol.for("skip-override");

/**
 * The web (cookie session) integration. Options are checked now: a mistake throws `config_invalid`.
 *
 * @example
 * // Two secrets: the first seals, both open, so rotating the secret signs nobody out.
 * const auth = idswitch({ identity, secret: [env.SESSION_SECRET, env.OLD_SESSION_SECRET], chooserPath: "/choose" });
 * await app.register(auth.plugin);
 * app.get("/admin", { preHandler: auth.requireRole("admin") }, async () => "hello admin");
 */
export function idswitch(options: WebOptionsInput): FastifyIdswitch {
  const auth = new WebAuth(options, "idswitch/fastify");
  const plugin: FastifyPluginAsync = async (app) => {
    if (!app.hasRequestDecorator("idswitch")) app.decorateRequest("idswitch", null);
    // Routes in their own scope: urlencoded bodies (the logout form, a logout token) need a parser
    // the app may not have. Read as text, at most a signal's size.
    await app.register(async (scope: FastifyInstance) => {
      scope.addContentTypeParser(
        "application/x-www-form-urlencoded",
        { parseAs: "string", bodyLimit: MAX_SIGNAL_BODY },
        (_request, body, done) => done(null, body),
      );
      scope.get(auth.loginPath, async (request, reply) => send(reply, await auth.login(toWeb(request))));
      scope.get<{ Params: { provider: string } }>(`${auth.callbackPath}/:provider`, async (request, reply) =>
        send(reply, await auth.callback(toWeb(request), request.params.provider)),
      );
      scope.route({
        method: ["GET", "POST"],
        url: auth.logoutPath,
        handler: async (request, reply) => send(reply, await auth.logout(toWeb(request))),
      });
      scope.route({
        method: ["GET", "POST"],
        url: auth.backchannelLogoutPath,
        handler: async (request, reply) => {
          const form = typeof request.body === "string" ? request.body : undefined;
          return send(reply, await auth.backchannelLogout(toWeb(request), form));
        },
      });
    });
    const signals = auth.signalsPath;
    if (signals !== undefined) {
      // A scope of its own with no body parser at all: the pushed SET stays an unread stream, and
      // the receiver checks its media type and bounds its size (RFC 8935 errors, not Fastify's 415).
      await app.register(async (scope: FastifyInstance) => {
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
        scope.route({
          method: ["GET", "POST"],
          url: signals,
          handler: async (request, reply) => {
            const answer = await auth.signals(webRequestOf(urlOf(request), request.raw));
            const { status, headers, body } = await responseParts(answer);
            reply.code(status);
            for (const [name, value] of headers) reply.header(name, value);
            return body === undefined ? reply.send() : reply.send(body);
          },
        });
      });
    }
  };
  Object.assign(plugin, { [SKIP_OVERRIDE]: true });

  const guards = sessionGuards(
    auth,
    "idswitch/fastify",
    (guard): preHandlerAsyncHookHandler =>
      async (request, reply) => {
        const { learnt, response } = await guard(toWeb(request), request.idswitch ?? undefined);
        if (learnt) {
          for (const cookie of learnt.setCookies) reply.header("set-cookie", cookie);
          request.idswitch = learnt.state;
        }
        if (response) return send(reply, response);
      },
  );
  return { plugin, ...guards };
}

/**
 * A `preHandler` for APIs: verifies `Authorization: Bearer` — or
 * `Authorization: DPoP` with its `DPoP` proof (RFC 9449; option `dpop`) —
 * from any configured provider and sets `request.idswitch.principal`;
 * answers 401/403/503 with RFC 6750 / RFC 9449 challenges otherwise. The
 * proof is checked against the method and the URL as `request.protocol` and
 * the `Host` header give it: behind a TLS-terminating proxy, set `trustProxy`.
 *
 * @example
 * // One hook for a whole scope: every route under /api needs a valid token.
 * await app.register(async (api) => {
 *   api.addHook("preHandler", bearerAuth({ identity, audience: { entra: "api://orders", eu: "orders" } }));
 *   api.get("/orders", async (request) => ({ caller: request.idswitch?.principal?.subject }));
 * }, { prefix: "/api" });
 */
export function bearerAuth(options: BearerOptionsInput): preHandlerAsyncHookHandler {
  const bearer = new BearerAuth(options, "idswitch/fastify.bearerAuth");
  return async (request, reply) => {
    const outcome = await bearer.verify({
      authorization: request.headers.authorization,
      dpop: headerOf(request, "dpop"),
      method: request.method,
      url: requestUrl(request.protocol, request.headers.host, request.url),
      target: request.url,
    });
    if ("response" in outcome) return send(reply, outcome.response);
    request.idswitch = { ...request.idswitch, principal: outcome.principal };
  };
}

function toWeb(request: FastifyRequest): WebRequest {
  return webRequest(request.method, urlOf(request), (name) => headerOf(request, name));
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
}

function urlOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? "localhost"}${request.url}`;
}

function send(reply: FastifyReply, response: WebResponse): FastifyReply {
  reply.code(response.status);
  // `reply.header` replaces a header (only set-cookie accumulates): a repeated one goes as a list.
  const values = new Map<string, string[]>();
  for (const [name, value] of response.headers) {
    const key = name.toLowerCase();
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  for (const [name, list] of values) reply.header(name, list.length === 1 ? list[0] : list);
  return response.body ? reply.send(response.body) : reply.send();
}
