/**
 * The session guards every web integration offers — `session()`,
 * `requireAuth()`, `requireRole(...)` — decided once, here. An integration
 * only turns a {@link SessionGuard} into its framework's middleware: read
 * what the request already knows, store what the guard learnt, send its
 * answer or go on.
 */
import type { IdentitySession, Principal } from "idswitch";
import type { WebRequest, WebResponse } from "./http.js";
import { parseRoles } from "./roles.js";
import type { WebAuth } from "./web-auth.js";

/** What idswitch knows about a request: the integrations keep it on the request (`req.idswitch`…). */
export interface IdswitchRequest {
  /** The signed-in session (web), refreshed when near expiry. */
  readonly session?: IdentitySession | undefined;
  /** Who the caller is: the session's principal, or the bearer token's. */
  readonly principal?: Principal | undefined;
}

/** What a guard decided for one request. */
export interface GuardDecision {
  /**
   * Set when the request knew nothing yet: keep `state` on the request (later
   * guards reuse it), and send `setCookies` with whatever is answered.
   */
  readonly learnt?: { readonly state: IdswitchRequest; readonly setCookies: readonly string[] } | undefined;
  /** Answer this instead of going on to the route. */
  readonly response?: WebResponse | undefined;
}

/** One guard: the request, and what an earlier guard or `bearerAuth` already put on it. */
export type SessionGuard = (
  request: WebRequest,
  known: IdswitchRequest | undefined,
) => Promise<GuardDecision>;

/** The three guards of `idswitch()`, in a framework's own handler type `H`. */
export interface SessionGuards<H> {
  session(): H;
  requireAuth(): H;
  requireRole(...roles: string[]): H;
}

/**
 * The guards, each made into a framework handler by `toHandler`. `what`
 * names the integration in configuration errors (`idswitch/express`).
 */
export function sessionGuards<H>(
  auth: WebAuth,
  what: string,
  toHandler: (guard: SessionGuard) => H,
): SessionGuards<H> {
  return {
    session: () => toHandler(guard(auth, undefined)),
    requireAuth: () => toHandler(guard(auth, () => undefined)),
    requireRole(...roles) {
      const required = parseRoles(roles, what);
      return toHandler(guard(auth, (session) => auth.forbidden(session, required)));
    },
  };
}

/**
 * Reads (and refreshes) the session once per request. Without `check` everyone
 * goes on; with it, no session means sign in (or 401) and `check` may refuse.
 * A session that had to end (suspension, revocation) is answered at once by
 * an enforcing guard, and simply absent for a lenient one.
 */
function guard(auth: WebAuth, check: ((session: IdentitySession) => WebResponse | undefined) | undefined) {
  const enforce = check !== undefined;
  return async (request: WebRequest, known: IdswitchRequest | undefined): Promise<GuardDecision> => {
    let state = known;
    let learnt: GuardDecision["learnt"];
    if (!state) {
      const result = await auth.authenticate(request);
      if (result.failure && enforce) return { response: result.failure };
      state = { session: result.session, principal: result.session?.principal };
      learnt = { state, setCookies: result.setCookies };
    }
    if (!enforce) return { learnt };
    if (!state.session) return { learnt, response: auth.unauthenticated(request, []) };
    return { learnt, response: check(state.session) };
  };
}
