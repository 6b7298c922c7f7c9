/**
 * Short-lived protocol state of one emulator: sign-in transactions, codes,
 * refresh tokens, device flows and SSO sessions. In-memory maps; expiry is
 * checked against the emulator's clock when a value is used.
 */
import type { ClaimsRequest } from "./claims-request.js";
import type { AppRecord, Authority } from "./directory.js";
import type { EntraProblem } from "./errors.js";
import { guid, opaqueGrant, randomBase64Url, userCode } from "./ids.js";
import type { ScopeRequest } from "./scopes.js";

/** A validated authorize request, waiting for the person to sign in. */
export interface SignInRequest {
  readonly authority: Authority;
  readonly client: AppRecord;
  readonly redirectUri: string;
  readonly responseMode: "query" | "fragment" | "form_post";
  readonly state: string | undefined;
  readonly nonce: string | undefined;
  readonly scopes: ScopeRequest;
  readonly codeChallenge: { readonly value: string; readonly method: "S256" | "plain" } | undefined;
  readonly clientInfo: boolean;
  readonly loginHint: string;
  /** The `claims` parameter (§2.1), as far as the emulator acts on it. */
  readonly claimsRequest: ClaimsRequest;
}

/** Who signed in, and when: carried from the sign-in to every token of the grant. */
export interface Authentication {
  readonly oid: string;
  readonly tid: string;
  readonly sid: string;
  readonly authTime: number;
}

export interface AuthorizationCode {
  readonly request: SignInRequest;
  readonly auth: Authentication;
  readonly issuedAt: number;
  redeemed: boolean;
}

export interface RefreshGrant {
  readonly clientId: string;
  readonly auth: Authentication;
  readonly scopes: ScopeRequest;
  readonly issuedAt: number;
  /** Confidential-client tokens survive password changes; public-client ones do not (§7). */
  readonly confidential: boolean;
  /** The user's revocation epochs when this token was issued. */
  readonly epochs: { readonly all: number; readonly public: number };
  /** Client capabilities asked for at sign-in (`cp1`), kept by every token of the grant (§8.2). */
  readonly capabilities?: readonly string[];
}

export interface DeviceFlow {
  readonly flow: string;
  readonly deviceCode: string;
  readonly userCode: string;
  readonly authority: Authority;
  readonly client: AppRecord;
  readonly scopes: ScopeRequest;
  readonly expiresAt: number;
  /** Stable across the polls of one flow (docs/reference/entra-id.md §4.2). */
  readonly correlationId: string;
  status: "pending" | "approved" | "declined" | "failed" | "redeemed";
  auth?: Authentication;
  failure?: EntraProblem;
}

export interface SsoSession {
  readonly auth: Authentication;
  ended: boolean;
}

export class GrantStore {
  readonly #transactions = new Map<string, { request: SignInRequest; expiresAt: number }>();
  readonly #codes = new Map<string, AuthorizationCode>();
  readonly #refreshTokens = new Map<string, RefreshGrant>();
  readonly #deviceFlows = new Map<string, DeviceFlow>();
  readonly #sessions = new Map<string, SsoSession>();
  /** Client assertions seen, until they expire: a `jti` is good for one request (§9.2). */
  readonly #assertions = new Map<string, number>();

  beginSignIn(request: SignInRequest, now: number): string {
    const ctx = randomBase64Url(24);
    this.#transactions.set(ctx, { request, expiresAt: now + 3_600_000 });
    return ctx;
  }

  signInRequest(ctx: string, now: number): SignInRequest | undefined {
    const transaction = this.#transactions.get(ctx);
    return transaction && transaction.expiresAt > now ? transaction.request : undefined;
  }

  endSignIn(ctx: string): void {
    this.#transactions.delete(ctx);
  }

  issueCode(request: SignInRequest, auth: Authentication, now: number): string {
    const code = opaqueGrant();
    this.#codes.set(code, { request, auth, issuedAt: now, redeemed: false });
    return code;
  }

  code(code: string): AuthorizationCode | undefined {
    return this.#codes.get(code);
  }

  issueRefreshToken(grant: RefreshGrant): string {
    const token = opaqueGrant();
    this.#refreshTokens.set(token, grant);
    return token;
  }

  refreshToken(token: string): RefreshGrant | undefined {
    return this.#refreshTokens.get(token);
  }

  startDeviceFlow(
    fields: Pick<DeviceFlow, "authority" | "client" | "scopes" | "expiresAt" | "correlationId">,
  ): DeviceFlow {
    const flow: DeviceFlow = {
      ...fields,
      flow: guid(),
      deviceCode: `DAQABIQEAAAB${randomBase64Url(160)}`,
      userCode: userCode(),
      status: "pending",
    };
    this.#deviceFlows.set(flow.deviceCode, flow);
    return flow;
  }

  deviceFlowByCode(deviceCode: string): DeviceFlow | undefined {
    return this.#deviceFlows.get(deviceCode);
  }

  deviceFlowByUserCode(code: string): DeviceFlow | undefined {
    const normalized = code.replace(/[\s-]/g, "").toUpperCase();
    return [...this.#deviceFlows.values()].find((f) => f.userCode === normalized);
  }

  deviceFlow(flow: string): DeviceFlow | undefined {
    return [...this.#deviceFlows.values()].find((f) => f.flow === flow);
  }

  /** Records an assertion id; false when it was already used and has not expired yet. */
  firstUseOfAssertion(key: string, expiresAt: number, now: number): boolean {
    for (const [seen, until] of this.#assertions) if (until < now) this.#assertions.delete(seen);
    if (this.#assertions.has(key)) return false;
    this.#assertions.set(key, Number.isFinite(expiresAt) ? expiresAt : now + 3_600_000);
    return true;
  }

  startSession(auth: Authentication): void {
    this.#sessions.set(auth.sid, { auth, ended: false });
  }

  session(sid: string): SsoSession | undefined {
    return this.#sessions.get(sid);
  }
}
