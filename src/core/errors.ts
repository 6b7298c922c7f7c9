/**
 * One error class, one closed set of codes (docs/concepts.md, "Errors: one taxonomy").
 *
 * Only operational failures become an `IdSwitchError`; programmer errors (a
 * wrong argument type) stay `TypeError`s thrown at once. The message is built
 * from our own words and the provider's error code/description after
 * redaction, never from a token, a secret or a whole response body.
 */
import { redact } from "./redact.js";
import { markSafe, safeCause } from "./safe-cause.js";

/** Every code an `IdSwitchError` can carry. Narrow on it with `switch (err.code)`. */
export const ERROR_CODES = [
  "account_disabled",
  "account_locked",
  "credentials_expired",
  "interaction_required",
  "access_blocked",
  "client_suspended",
  "tenant_unavailable",
  "session_revoked",
  "invalid_credentials",
  "token_invalid",
  "provider_unavailable",
  "config_invalid",
  "link_conflict",
] as const;

/**
 * One of the closed set of {@link ERROR_CODES}: what went wrong, independent of the provider.
 *
 * @example
 * if (isIdSwitchError(err) && err.code === "provider_unavailable") retryLater();
 */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Why a token failed verification (`code: "token_invalid"`).
 *
 * @example
 * // For logs and metrics only: the caller gets the same 401 whichever check failed.
 * if (isIdSwitchError(err, "token_invalid") && err.reason === "expired") metrics.count("token_expired");
 */
export type TokenInvalidReason =
  | "malformed"
  | "too_large"
  | "expired"
  | "not_yet_valid"
  | "signature"
  | "algorithm"
  | "issuer"
  | "audience"
  | "unknown_key"
  | "token_type"
  | "claims"
  | "state"
  | "nonce"
  | "response"
  /** A logout token or security event token seen before (its `jti`): a replay. */
  | "replayed"
  /** The DPoP proof (RFC 9449) is missing though needed, malformed, badly signed, for another request or token, or replayed. */
  | "dpop_proof"
  /** The DPoP proof carries no nonce, or one the server does not accept now (RFC 9449 §8). */
  | "dpop_nonce"
  /** The token's DPoP binding does not hold: bound but sent as a bearer token, unbound but sent as DPoP, or bound to another key. */
  | "dpop_binding";

/**
 * Why a provider could not serve (`code: "provider_unavailable"`): what kind
 * of outage, for logs, metrics and `Retry-After`. The same 503 whichever it was.
 *
 * @example
 * if (isIdSwitchError(err, "provider_unavailable") && err.reason === "rate_limited") backOff(err.retryAfter);
 */
export type ProviderUnavailableReason =
  /** Refused, reset or unresolvable: nothing answered. */
  | "network"
  /** No answer within `runtime.timeoutMs`. */
  | "timeout"
  /** A new connection not established (DNS, TCP, TLS) within `runtime.connectTimeoutMs` (needs `nodeFetch()` from `idswitch/node`). */
  | "connect_timeout"
  /** HTTP 5xx, or the provider's own "try later" error. */
  | "server_error"
  /** HTTP 429, or the provider's throttling error; `retryAfter` says how long when it was told. */
  | "rate_limited"
  /** An answer that is not what the protocol says (unparseable, fields missing). */
  | "malformed_response"
  /** An error answer no table knows: the provider is not behaving as one. */
  | "unexpected_response"
  /** The key set could not be fetched, and no last-known-good keys were left. */
  | "jwks"
  /** A StateStore or LinkStore the app configured failed. */
  | "store"
  /** The target changed under the mirror while it wrote (run it again). */
  | "concurrent_change"
  /** Skipped: its breaker is open (one of the attempts of an `AllProvidersFailedError`). */
  | "not_tried";

/**
 * The `reason` each code can carry. A code missing here carries a free string:
 * for a denial (disabled, locked, revoked…) it is the provider's own row name
 * (Entra `user_disabled`, Keycloak `wrong_password_or_locked`), which grows with
 * the providers' tables and is for diagnosis, never for deciding.
 *
 * @example
 * // A label for each kind of outage: the compiler names any reason left out.
 * const outage: Record<ErrorReasons["provider_unavailable"], string> = {
 *   network: "unreachable", timeout: "slow", connect_timeout: "not reachable", server_error: "failing", rate_limited: "throttling us",
 *   malformed_response: "answering nonsense", unexpected_response: "answering nonsense", jwks: "keys unavailable",
 *   store: "our store failing", concurrent_change: "changed under the mirror", not_tried: "skipped (breaker open)",
 * };
 */
export interface ErrorReasons {
  token_invalid: TokenInvalidReason;
  provider_unavailable: ProviderUnavailableReason;
}

/**
 * The `reason` an error with code `C` can carry.
 *
 * @example
 * const why: ReasonOf<"token_invalid"> = "expired";
 */
export type ReasonOf<C extends ErrorCode> = C extends keyof ErrorReasons ? ErrorReasons[C] : string;

/**
 * An `IdSwitchError` known to carry code `C`, its `reason` narrowed to match:
 * what {@link isIdSwitchError} narrows to. A union over the codes, so a
 * `switch (err.code)` narrows `err.reason` in each case.
 *
 * @example
 * function log(err: IdSwitchErrorOf) {
 *   switch (err.code) {
 *     case "token_invalid":
 *       return metrics.count(`token_${err.reason ?? "unknown"}`); // err.reason: TokenInvalidReason | undefined
 *     default:
 *       return metrics.count(err.code);
 *   }
 * }
 */
export type IdSwitchErrorOf<C extends ErrorCode = ErrorCode> = C extends ErrorCode
  ? IdSwitchError & { readonly code: C; readonly reason: ReasonOf<C> | undefined }
  : never;

/**
 * The provider's own answer, kept for diagnosis. Never holds tokens or secrets.
 *
 * @example
 * // Redacted, yet still for operators: log it, do not show it to the person signing in.
 * if (isIdSwitchError(err)) log.warn("provider refused", { code: err.code, answer: err.providerAnswer });
 */
export interface ProviderAnswer {
  /** HTTP status of the provider's response, where there was one. */
  readonly status?: number;
  /** OAuth `error` code, e.g. `invalid_grant`. */
  readonly error?: string;
  /** OAuth `error_description`, redacted. */
  readonly description?: string;
  /** Provider-specific detail (Entra `error_codes`, `suberror`, …), redacted. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * One problem with a configuration, located by its path in the input.
 *
 * @example
 * try {
 *   createIdentity({ providers: [entra], routing: { order: ["eu"] } });
 * } catch (err) {
 *   // routing.order[0]: unknown provider "eu" (every problem at once, never the rejected value)
 *   if (isIdSwitchError(err, "config_invalid")) for (const issue of err.issues ?? []) console.error(`${issue.path}: ${issue.message}`);
 * }
 */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
  /** Where the value came from, when known: a file, `IDSWITCH_CONFIG` or an `IDSWITCH__*` variable. */
  readonly source?: string | undefined;
}

export interface IdSwitchErrorOptions {
  /** The configured provider id this failure belongs to. */
  provider?: string | undefined;
  /** Finer detail for some codes: one of `ReasonOf<code>` (e.g. a `TokenInvalidReason`). */
  reason?: string | undefined;
  /** Override the code's default (see `RETRYABLE`). */
  retryable?: boolean | undefined;
  /**
   * What the provider said, or the lower-level error that was translated.
   * Kept only in a form safe to log (see `safeCause`): a provider answer's
   * status, error, redacted description and scalar details; an error's name,
   * redacted message, code and cause chain. Anything else is dropped.
   */
  cause?: unknown;
  /** For `config_invalid`: each problem with its path. */
  issues?: readonly ConfigIssue[] | undefined;
  /** Seconds the provider asked us to wait (HTTP `Retry-After`). */
  retryAfter?: number | undefined;
  /** Providers where the person may sign in instead (`routing.onSuspension: "offer"`). */
  alternatives?: readonly string[] | undefined;
  /** The failure came through the browser, not from the provider itself (see {@link IdSwitchError.frontChannel}). */
  frontChannel?: boolean | undefined;
  /** For `interaction_required`: the claims the provider demands (see {@link IdSwitchError.claimsChallenge}). */
  claimsChallenge?: string | undefined;
}

/**
 * Codes for which trying the same request again later can succeed without
 * anyone acting. A denial (disabled, locked, wrong password) is never retryable.
 */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set(["provider_unavailable"]);

/**
 * The operational error of idswitch.
 *
 * @example
 * try {
 *   await provider.refresh(session);
 * } catch (err) {
 *   if (err instanceof IdSwitchError && err.code === "account_disabled") offerTheSpare(err.provider);
 *   else throw err;
 * }
 */
export class IdSwitchError extends Error {
  override readonly name: string = "IdSwitchError";
  readonly code: ErrorCode;
  readonly provider: string | undefined;
  readonly reason: string | undefined;
  readonly retryable: boolean;
  readonly issues: readonly ConfigIssue[] | undefined;
  readonly retryAfter: number | undefined;
  /**
   * Where the person may sign in instead, most preferred first: set by
   * `createIdentity` when a provider suspended the account, the app or the
   * tenant, or is down. Empty when there is no way in elsewhere.
   */
  readonly alternatives: readonly string[] | undefined;
  /**
   * True when the failure came through the browser — an `error` in the
   * redirect to the app's callback — rather than from the provider over a
   * back channel. Anyone can forge such a redirect, so it is not the
   * provider's voice: it ends that one sign-in and moves nothing (no
   * suspension mark, no breaker outcome, no routing event, no alternatives).
   */
  readonly frontChannel: boolean;
  /**
   * For `interaction_required`: the claims request (OIDC Core §5.5, JSON
   * text) the provider demands before it answers, e.g. Entra's Conditional
   * Access asking for MFA on an on-behalf-of request (AADSTS50076). Hand it
   * to the client — an API answers 401 with it — so that the person signs in
   * again with `beginLogin({ claims })`.
   */
  readonly claimsChallenge: string | undefined;

  constructor(code: ErrorCode, message: string, options: IdSwitchErrorOptions = {}) {
    // `cause` set through the options is a non-enumerable own property, so
    // JSON.stringify does not walk into it; loggers and `util.inspect` do, so
    // it keeps only what `safeCause` lets through (no token, code, claims set).
    const cause = safeCause(options.cause);
    super(redact(message), cause === undefined ? undefined : { cause });
    markSafe(this);
    this.code = code;
    this.provider = options.provider;
    this.reason = options.reason;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    this.issues = options.issues;
    this.retryAfter = options.retryAfter;
    this.alternatives = options.alternatives;
    this.frontChannel = options.frontChannel ?? false;
    this.claimsChallenge = options.claimsChallenge;
  }

  /** The provider's own answer, when the failure came from one. */
  get providerAnswer(): ProviderAnswer | undefined {
    const cause = this.cause;
    return isProviderAnswer(cause) ? cause : undefined;
  }

  /** A plain, log-safe representation (no cause chain, no stack). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      provider: this.provider,
      reason: this.reason,
      retryable: this.retryable,
      ...(this.issues ? { issues: this.issues } : {}),
      ...(this.alternatives ? { alternatives: this.alternatives } : {}),
      ...(this.frontChannel ? { frontChannel: true } : {}),
    };
  }
}

/**
 * Thrown when every provider that could serve an operation was tried and failed.
 *
 * @example
 * try {
 *   await identity.clientCredentials({ scope: { entra: "api://orders/.default", eu: "orders" } });
 * } catch (err) {
 *   if (err instanceof AllProvidersFailedError) for (const a of err.attempts) log.warn(`${a.provider}: ${a.code}`);
 *   throw err;
 * }
 */
export class AllProvidersFailedError extends IdSwitchError {
  override readonly name: string = "AllProvidersFailedError";
  /** Each provider's failure, in the order they were tried. */
  readonly attempts: readonly IdSwitchError[];

  constructor(attempts: readonly IdSwitchError[]) {
    const first = attempts[0];
    const tried = attempts.map((a) => `${a.provider ?? "?"}: ${a.code}`).join(", ");
    super(first?.code ?? "provider_unavailable", `every provider failed (${tried})`, {
      retryable: attempts.length > 0 && attempts.every((a) => a.retryable),
    });
    this.attempts = attempts;
  }
}

/**
 * The same failure, naming where the person may sign in instead.
 *
 * @example
 * // The same code, provider and cause; only the way out is added (an app that picks the provider itself).
 * if (isIdSwitchError(err, "account_disabled")) throw withAlternatives(err, ["eu"]);
 */
export function withAlternatives(error: IdSwitchError, alternatives: readonly string[]): IdSwitchError {
  return new IdSwitchError(error.code, error.message, {
    provider: error.provider,
    reason: error.reason,
    retryable: error.retryable,
    cause: error.cause,
    retryAfter: error.retryAfter,
    alternatives,
    frontChannel: error.frontChannel,
  });
}

/**
 * Is `value` an `IdSwitchError` (optionally with one of the given codes)?
 *
 * @example
 * // Only a suspension or an outage may send the person elsewhere; a wrong password never does.
 * if (isIdSwitchError(err, "account_disabled", "account_locked", "provider_unavailable")) return offer(err.alternatives);
 * if (isIdSwitchError(err, "invalid_credentials")) return showLoginError();
 * throw err;
 */
export function isIdSwitchError<C extends ErrorCode = ErrorCode>(
  value: unknown,
  ...codes: C[]
): value is IdSwitchErrorOf<C> {
  return (
    value instanceof IdSwitchError && (codes.length === 0 || (codes as ErrorCode[]).includes(value.code))
  );
}

/**
 * A `token_invalid` error (internal; not exported from the package). `provider`
 * is undefined when no configured provider could be chosen (an unknown issuer,
 * a malformed token). `message` never carries the token itself.
 */
export function invalid(
  provider: string | undefined,
  reason: TokenInvalidReason,
  message: string,
  cause?: unknown,
): IdSwitchError {
  const text = provider === undefined ? message : `${provider}: ${message}`;
  return new IdSwitchError("token_invalid", text, { provider, reason, cause });
}

function isProviderAnswer(value: unknown): value is ProviderAnswer {
  return typeof value === "object" && value !== null && ("error" in value || "status" in value);
}
