/**
 * Translating a provider's failures into the taxonomy, at one choke point.
 *
 * Every lower failure — openid-client's `ResponseBodyError`,
 * `AuthorizationResponseError`, `ClientError`, jose's errors, our guarded
 * fetch — is reduced to the provider's *answer* (HTTP status, OAuth `error`,
 * `error_description`), which is then looked up in the provider's own table of
 * real answers, then in the generic OAuth table below.
 */
import {
  AuthorizationResponseError,
  ClientError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from "openid-client";
import {
  type ErrorCode,
  IdSwitchError,
  type ProviderAnswer,
  type TokenInvalidReason,
} from "../../core/errors.js";
import { redact } from "../../core/redact.js";
import { scalarDetails } from "../../core/safe-cause.js";

/**
 * One row of a classification table: a real provider answer and what it means.
 *
 * @example
 * // A row of a provider's own table: its exact answer, and what it means whichever provider said it.
 * const disabled: ErrorRule = { error: "invalid_grant", description: "Account disabled", code: "account_disabled" };
 */
export interface ErrorRule {
  readonly status?: number;
  readonly error?: string;
  /** Exact `error_description`, or a pattern for descriptions that carry ids. */
  readonly description?: string | RegExp;
  /** Anything else the answer must satisfy (a provider's own error numbers, say). */
  readonly when?: (answer: ProviderAnswer) => boolean;
  readonly code: ErrorCode;
  readonly reason?: string;
}

/** RFC 6749 §5.2, §4.1.2.1, RFC 8628 §3.5 and OIDC Core §3.1.2.6 codes, as a fallback for any provider. */
export const OAUTH_RULES: readonly ErrorRule[] = [
  { error: "invalid_client", code: "client_suspended" },
  { error: "unauthorized_client", code: "client_suspended" },
  { error: "invalid_grant", code: "session_revoked" },
  { error: "invalid_token", code: "session_revoked" },
  { error: "access_denied", code: "access_blocked" },
  { error: "login_required", code: "interaction_required" },
  { error: "consent_required", code: "interaction_required" },
  { error: "interaction_required", code: "interaction_required" },
  { error: "account_selection_required", code: "interaction_required" },
  { error: "expired_token", code: "interaction_required", reason: "device_code_expired" },
  { error: "temporarily_unavailable", code: "provider_unavailable" },
  { error: "server_error", code: "provider_unavailable" },
  { error: "invalid_scope", code: "config_invalid", reason: "invalid_scope" },
  { error: "invalid_request", code: "config_invalid", reason: "invalid_request" },
  { error: "unsupported_grant_type", code: "config_invalid", reason: "unsupported_grant_type" },
  // RFC 8693 §2.2.2: the server will not issue a token for the downstream API asked for.
  { error: "invalid_target", code: "access_blocked", reason: "invalid_target" },
  { error: "unsupported_response_type", code: "config_invalid", reason: "unsupported_response_type" },
];

/** Finds the first rule that matches every field it names. */
export function matchRule(rules: readonly ErrorRule[], answer: ProviderAnswer): ErrorRule | undefined {
  return rules.find(
    (rule) =>
      (rule.status === undefined || rule.status === answer.status) &&
      (rule.error === undefined || rule.error === answer.error) &&
      (rule.description === undefined || matchesDescription(rule.description, answer.description)) &&
      (rule.when === undefined || rule.when(answer)),
  );
}

function matchesDescription(expected: string | RegExp, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  return typeof expected === "string" ? expected === actual : expected.test(actual);
}

/** Classifies a provider answer: the provider's own rules first, then the OAuth fallback. */
export function classifyAnswer(
  answer: ProviderAnswer,
  provider: string,
  rules: readonly ErrorRule[],
): IdSwitchError {
  const rule = matchRule(rules, answer) ?? matchRule(OAUTH_RULES, answer);
  const said = [answer.status && `HTTP ${answer.status}`, answer.error, answer.description]
    .filter(Boolean)
    .join(" ");
  if (!rule) {
    // An answer nobody documented: the provider is not behaving as a provider should.
    return new IdSwitchError("provider_unavailable", `${provider}: unexpected answer (${said})`, {
      provider,
      reason: "unexpected_response",
      retryable: false,
      cause: answer,
    });
  }
  return new IdSwitchError(rule.code, `${provider}: ${said}`, {
    provider,
    reason: rule.reason,
    cause: answer,
  });
}

/**
 * An `error` in the redirect to the app's callback (RFC 6749 §4.1.2.1): it
 * came through the browser, so anyone who began a sign-in can write it. It
 * is classified like the provider's answer, for the person in front of the
 * page, and marked so that nothing else acts on it (docs/concepts.md,
 * "Whose word counts").
 */
export function throughBrowser(
  error: string,
  description: string | undefined,
  provider: string,
  rules: readonly ErrorRule[],
): IdSwitchError {
  // Attacker-written text: clipped and redacted before it can reach a log.
  const clipped: ProviderAnswer = {
    error: clip(error),
    ...(description === undefined ? {} : { description: clip(description) }),
  };
  const said = classifyAnswer(clipped, provider, rules);
  return new IdSwitchError(said.code, said.message, {
    provider,
    reason: said.reason,
    retryable: false,
    cause: clipped,
    frontChannel: true,
  });
}

/**
 * Any failure → `IdSwitchError`. Programmer errors (bad arguments) are not
 * operational and are rethrown as they are.
 */
export function classifyOidcError(
  error: unknown,
  provider: string,
  rules: readonly ErrorRule[],
): IdSwitchError {
  const known = findIdSwitchError(error);
  if (known) return known;
  if (isProgrammerError(error)) throw error;
  // The caller cancelled (device polling stopped): theirs to handle, and never an outage.
  if (error instanceof ClientError && error.code === "OAUTH_ABORT") throw error.cause;
  if (error instanceof Error && error.name === "AbortError") throw error;
  const answer = answerOf(error);
  if (error instanceof AuthorizationResponseError) {
    return throughBrowser(error.error, error.error_description, provider, rules);
  }
  if (answer) return classifyAnswer(answer, provider, rules);
  if (error instanceof ClientError) return fromClientError(error, provider, rules);
  return new IdSwitchError("provider_unavailable", `${provider}: unexpected failure`, {
    provider,
    reason: "unexpected_response",
    retryable: false,
    cause: error,
  });
}

/**
 * An `interaction_required` error with the claims request the provider's
 * answer carried (Entra sends `claims` with AADSTS50076 and friends), so the
 * caller can pass it on to the person's client.
 */
export function withClaimsChallenge(error: IdSwitchError): IdSwitchError {
  // Only the provider's own answer: a browser-borne error (anyone can write one) demands nothing.
  if (error.code !== "interaction_required" || error.frontChannel || error.claimsChallenge !== undefined) {
    return error;
  }
  const claims = error.providerAnswer?.details?.claims;
  if (typeof claims !== "string" || claims === "") return error;
  return new IdSwitchError(error.code, error.message, {
    provider: error.provider,
    reason: error.reason,
    retryable: error.retryable,
    retryAfter: error.retryAfter,
    alternatives: error.alternatives,
    cause: error.cause,
    claimsChallenge: claims,
  });
}

/**
 * An error whose provider answer was read from a response openid-client left
 * unread (discovery answered with an error body instead of a document).
 */
class ReadAnswerError extends Error {
  constructor(readonly answer: ProviderAnswer) {
    super("provider answered with an error");
  }
}

const MAX_ERROR_BODY = 16 * 1024;

/** Members of an error body the answer itself carries; the rest are its details. */
const ANSWERED = ["error", "error_description"];

/**
 * openid-client reports a non-200 discovery or JWKS answer without reading
 * its body; some providers explain such refusals there (an unknown tenant,
 * say). Reads the JSON error body, bounded, so the provider's table can
 * classify it. Anything else is returned unchanged.
 */
export async function withAnswerBody(error: unknown): Promise<unknown> {
  const response = error instanceof ClientError ? error.cause : undefined;
  if (!(response instanceof Response) || response.bodyUsed) return error;
  try {
    const text = await response.text();
    const body: unknown = text.length <= MAX_ERROR_BODY ? JSON.parse(text) : undefined;
    if (typeof body !== "object" || body === null || typeof Reflect.get(body, "error") !== "string")
      return error;
    const record = body as Record<string, unknown>;
    const description = typeof record.error_description === "string" ? record.error_description : undefined;
    return new ReadAnswerError({
      ...answer(response.status, record.error as string, description),
      details: scalarDetails(record, ANSWERED),
    });
  } catch {
    return error;
  }
}

/** The provider's answer inside an openid-client error, if it carries one. */
function answerOf(error: unknown): ProviderAnswer | undefined {
  if (error instanceof ReadAnswerError) return error.answer;
  if (error instanceof ResponseBodyError) {
    return {
      ...answer(error.status, error.error, error.error_description),
      details: scalarDetails(error.cause, ANSWERED),
    };
  }
  if (error instanceof AuthorizationResponseError) {
    return answer(undefined, error.error, error.error_description);
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    const challenge = error.cause[0];
    return answer(
      error.response.status,
      challenge?.parameters.error,
      challenge?.parameters.error_description,
    );
  }
  return undefined;
}

function answer(
  status: number | undefined,
  error: string | undefined,
  description: string | undefined,
): ProviderAnswer {
  return {
    ...(status === undefined ? {} : { status }),
    ...(error === undefined ? {} : { error }),
    ...(description === undefined ? {} : { description: redact(description) }),
  };
}

/** openid-client's own checks: response shape, claim comparisons, timeouts. */
function fromClientError(error: ClientError, provider: string, rules: readonly ErrorRule[]): IdSwitchError {
  const cause: unknown = error.cause;
  switch (error.code) {
    case "OAUTH_RESPONSE_IS_NOT_CONFORM":
    case "OAUTH_RESPONSE_IS_NOT_JSON": {
      // A non-OAuth answer (an HTML error page, a 404 for a missing realm/tenant).
      const status = cause instanceof Response ? cause.status : undefined;
      const rule = status === undefined ? undefined : matchRule(rules, { status });
      if (rule) return classifyAnswer({ status: status as number }, provider, rules);
      return unavailable(
        provider,
        `answered HTTP ${status ?? "?"} where an OAuth response was expected`,
        error,
      );
    }
    case "OAUTH_INVALID_RESPONSE": {
      const rejected = callbackRejection(error, provider);
      if (rejected) return rejected;
      return unavailable(provider, "sent a malformed response", error);
    }
    case "OAUTH_PARSE_ERROR":
    case "OAUTH_INVALID_SERVER_METADATA":
    case "OAUTH_MISSING_SERVER_METADATA":
      return unavailable(provider, "sent a malformed response", error);
    case "OAUTH_TIMEOUT":
      return new IdSwitchError("provider_unavailable", `${provider}: timed out`, {
        provider,
        reason: "timeout",
        cause: error,
      });
    case "OAUTH_JWT_CLAIM_COMPARISON_FAILED":
    case "OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED":
    case "OAUTH_JWT_TIMESTAMP_CHECK_FAILED":
    case "OAUTH_KEY_SELECTION_FAILED":
      return new IdSwitchError("token_invalid", `${provider}: ${error.message}`, {
        provider,
        reason: comparedField(cause),
        cause: error,
      });
    default:
      return unavailable(provider, error.message, error);
  }
}

/**
 * oauth4webapi reports a callback that fails its checks (state, RFC 9207
 * `iss`) with the same code as a malformed response; the callback's
 * `parameters` in the cause tell them apart. Such a callback is an attack or
 * a mix-up, never an outage.
 */
function callbackRejection(error: ClientError, provider: string): IdSwitchError | undefined {
  const inner: unknown = error.cause;
  const detail: unknown = inner instanceof Error ? inner.cause : undefined;
  if (
    !(inner instanceof Error) ||
    typeof detail !== "object" ||
    detail === null ||
    !("parameters" in detail)
  ) {
    return undefined;
  }
  const reason: TokenInvalidReason = /"state"/.test(inner.message)
    ? "state"
    : /"iss"/.test(inner.message)
      ? "issuer"
      : "response";
  return new IdSwitchError("token_invalid", `${provider}: callback rejected (${inner.message})`, {
    provider,
    reason,
    cause: error,
  });
}

function unavailable(provider: string, what: string, cause: unknown): IdSwitchError {
  return new IdSwitchError("provider_unavailable", `${provider}: ${what}`, {
    provider,
    reason: "malformed_response",
    retryable: false,
    cause,
  });
}

/** oauth4webapi names the compared claim or attribute in the cause; map it to a reason. */
function comparedField(cause: unknown): TokenInvalidReason {
  const field =
    typeof cause === "object" && cause !== null
      ? (Reflect.get(cause, "claim") ?? Reflect.get(cause, "attribute"))
      : undefined;
  switch (field) {
    case "state":
      return "state";
    case "nonce":
      return "nonce";
    case "iss":
      return "issuer";
    case "aud":
    case "azp":
      return "audience";
    case "exp":
      return "expired";
    default:
      return "response";
  }
}

function findIdSwitchError(error: unknown): IdSwitchError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof IdSwitchError) return e;
  }
  return undefined;
}

/** openid-client signals argument misuse with coded `TypeError`s. */
function isProgrammerError(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const code = Reflect.get(error, "code");
  return typeof code === "string" && code.startsWith("ERR_INVALID_ARG");
}

function clip(text: string): string {
  return redact(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}
