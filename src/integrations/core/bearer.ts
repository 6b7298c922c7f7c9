/**
 * Access-token checks for APIs: bearer tokens (RFC 6750) and DPoP-bound
 * tokens (RFC 9449). The token is verified by the provider that issued it
 * (the facade picks it by `iss`), with the request's DPoP proof, method and
 * URL when DPoP is on; every failure is answered with the status and
 * `WWW-Authenticate` challenges the RFCs name. The token and the proof are
 * never echoed, logged or put in a message.
 */
import type { DpopRequest, IdentityVerifyOptions, Principal } from "idswitch";
import { DPOP_ALGORITHMS, IdSwitchError } from "idswitch";
import { json, type WebResponse } from "./http.js";
import { type BearerOptions, type BearerOptionsInput, bearerOptionsSchema, parseOptions } from "./options.js";

export type BearerOutcome = { readonly principal: Principal } | { readonly response: WebResponse };

/** What `BearerAuth.verify` reads from a request: the two headers, the method and the URL the client addressed. */
export interface BearerRequest {
  /** The `Authorization` header. */
  readonly authorization: string | undefined;
  /** The `DPoP` header (several joined by ", ", as Node and `Headers` join them): the proof. */
  readonly dpop: string | undefined;
  readonly method: string;
  /** The absolute URL as the client addressed it (scheme and host as the app sees them; see {@link requestUrl}). */
  readonly url: string;
  /**
   * The request-target as the request line had it (path and query, `/…`):
   * with the `origin` option, what a DPoP proof is checked against after
   * that origin — never cut out of `url`, whose host part the client wrote.
   */
  readonly target?: string | undefined;
}

/** A host as RFC 3986 §3.2.2 allows it (a name, IPv4, or a bracketed IPv6 literal), with an optional port. */
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The absolute URL of a request for the DPoP check, from the framework's
 * protocol, the `Host` header and the request-target. A `Host` that is not a
 * host (`x/orders/42?` would move the real path into the query) becomes
 * `invalid.invalid`: such a request matches no proof.
 */
export function requestUrl(protocol: string, host: string | undefined, target: string): string {
  const authority = host !== undefined && HOST.test(host) ? host : "invalid.invalid";
  return `${protocol}://${authority}${target}`;
}

type Scheme = "Bearer" | "DPoP";

/** RFC 6750 §2.1 and RFC 9449 §7.1: the scheme, then a b64token (token68). Schemes are case-insensitive. */
const CREDENTIALS = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i;
const SCHEME = /^(Bearer|DPoP)\b/i;

/** RFC 9449 §8.1: a nonce is NQCHARs, so it goes in a header as it is. */
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Fixed words per failure: an `error_description` must never carry the token or a provider's text. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  expired: "the token has expired",
  not_yet_valid: "the token is not valid yet",
  issuer: "the token issuer is not accepted",
  audience: "the token is not meant for this API",
  signature: "the token signature is invalid",
  algorithm: "the token algorithm is not accepted",
  unknown_key: "the token was signed by an unknown key",
  dpop_proof: "the DPoP proof is invalid",
  dpop_nonce: "the DPoP proof must carry the nonce the server gives",
  dpop_binding: "the token is not bound to the key of this DPoP proof",
};

/** The DPoP challenge's `algs` (RFC 9449 §7.1): what `checkDpopBinding` accepts by default. */
const ALGS = DPOP_ALGORITHMS.join(" ");

interface Challenge {
  /** The scheme the error is about; it carries `error`, `error_description` and `scope`. */
  readonly scheme: Scheme;
  readonly error?: string | undefined;
  readonly description?: string | undefined;
  readonly scopes?: readonly string[] | undefined;
  /** Only this scheme's challenge, even when both are accepted (an answer about a proof, a scope, a malformed header). */
  readonly alone?: boolean;
  /** RFC 9449 §8: the nonce to use, for `use_dpop_nonce`. */
  readonly nonce?: string | undefined;
}

export class BearerAuth {
  readonly options: BearerOptions;

  constructor(input: BearerOptionsInput, what: string) {
    this.options = parseOptions(bearerOptionsSchema, input, what);
  }

  /** Verifies the `Authorization` header (and the `DPoP` proof); the answer to send when it does not pass. */
  async verify(request: BearerRequest): Promise<BearerOutcome> {
    const policy = this.options.dpop;
    const preferred: Scheme = policy === "required" ? "DPoP" : "Bearer";
    const authorization = request.authorization?.trim();
    if (!authorization) return { response: this.#challenge(401, { scheme: preferred }) };
    const scheme = schemeOf(SCHEME.exec(authorization)?.[1]);
    // Another scheme (Basic…), DPoP when it is off, Bearer when DPoP is required: the plain challenge.
    if (
      scheme === undefined ||
      (scheme === "DPoP" && policy === "disabled") ||
      (scheme === "Bearer" && policy === "required")
    ) {
      return { response: this.#challenge(401, { scheme: preferred }) };
    }
    const token = CREDENTIALS.exec(authorization)?.[2];
    // A broken header of a scheme we accept is a bad request, not a bad token.
    if (!token) return { response: this.#challenge(400, { scheme, error: "invalid_request", alone: true }) };
    // RFC 9449 §7.1: the DPoP scheme comes with a proof, whatever the token.
    if (scheme === "DPoP" && request.dpop === undefined) return { response: this.#dpopFailure("dpop_proof") };
    let principal: Principal;
    try {
      const options: IdentityVerifyOptions = {
        audience: this.options.audience,
        ...(policy === "disabled" ? {} : { dpop: this.#dpopRequest(request, scheme, policy) }),
      };
      principal = await this.options.identity.verifyAccessToken(token, options);
    } catch (error) {
      return { response: this.#failure(error, scheme) };
    }
    // Scopes are checked here, not in verification, to tell "who are you" (401) from "not allowed" (403).
    const required = this.options.requiredScopes ?? [];
    const missing = required.filter((s) => !principal.scopes.includes(s));
    if (missing.length > 0) {
      return {
        response: this.#challenge(403, {
          scheme,
          error: "insufficient_scope",
          scopes: required,
          alone: true,
        }),
      };
    }
    return { principal };
  }

  #dpopRequest(request: BearerRequest, scheme: Scheme, policy: "required" | "allowed"): DpopRequest {
    return {
      proof: request.dpop,
      method: request.method,
      url: this.#publicUrl(request),
      scheme,
      policy,
      nonces: this.#nonces(),
    };
  }

  /**
   * The URL a proof must name: the configured public origin and the
   * request-target when `origin` is set (the target as sent — its dot
   * segments too: the check refuses them), else the request's own URL.
   */
  #publicUrl(request: BearerRequest): string {
    const origin = this.options.origin;
    if (origin === undefined) return request.url;
    const target = request.target ?? targetOf(request.url);
    // An absolute-form or authority-form target (or none) names no path of this origin: it matches nothing.
    if (target === undefined || !target.startsWith("/") || target.startsWith("//")) return "invalid:";
    return `${origin.replace(/\/$/, "")}${target}`;
  }

  /** The nonces accepted now (the first is the current one), or undefined when the app gives none. */
  #nonces(): readonly string[] | undefined {
    const nonces = this.options.dpopNonces?.();
    // None given, or none current (a list emptied while rotating): no nonce is asked for, rather than
    // every proof refused with no `DPoP-Nonce` to retry with.
    if (nonces === undefined || (Array.isArray(nonces) && nonces.length === 0)) return undefined;
    if (!Array.isArray(nonces) || !nonces.every((n) => typeof n === "string" && NONCE.test(n))) {
      throw new TypeError(
        "dpopNonces must return a list of nonces (RFC 9449 §8.1: printable ASCII, no quote or backslash)",
      );
    }
    return nonces;
  }

  #failure(error: unknown, scheme: Scheme): WebResponse {
    if (!(error instanceof IdSwitchError)) throw error;
    if (error.code === "provider_unavailable") {
      // The issuer's keys cannot be fetched: not the caller's fault, retry later.
      const retryAfter = String(Math.ceil(error.retryAfter ?? 30));
      return json(503, { error: "temporarily_unavailable" }, [["Retry-After", retryAfter]]);
    }
    const reason = error.reason ?? "";
    if (reason === "dpop_proof" || reason === "dpop_nonce") return this.#dpopFailure(reason);
    const description = DESCRIPTIONS[reason] ?? "the token is invalid";
    // A binding that does not hold is always told in DPoP's words: the client is to use DPoP, or not to.
    const about: Scheme = reason === "dpop_binding" ? "DPoP" : scheme;
    return this.#challenge(401, { scheme: about, error: "invalid_token", description });
  }

  #dpopFailure(reason: "dpop_proof" | "dpop_nonce"): WebResponse {
    if (reason === "dpop_proof") {
      return this.#challenge(401, {
        scheme: "DPoP",
        error: "invalid_dpop_proof",
        description: DESCRIPTIONS.dpop_proof,
        alone: true,
      });
    }
    return this.#challenge(401, {
      scheme: "DPoP",
      error: "use_dpop_nonce",
      description: DESCRIPTIONS.dpop_nonce,
      alone: true,
      nonce: this.#nonces()?.[0],
    });
  }

  /**
   * One `WWW-Authenticate` per scheme offered: Bearer when DPoP is off, DPoP
   * when it is required, both when it is allowed (RFC 9449 §7.2) — the one
   * the error is about first, carrying it.
   */
  #challenge(status: number, challenge: Challenge): WebResponse {
    const policy = this.options.dpop;
    const offered: readonly Scheme[] =
      policy === "disabled" ? ["Bearer"] : policy === "required" ? ["DPoP"] : ["Bearer", "DPoP"];
    // An error about a scheme not offered (a bound token while DPoP is off) is told in the one that is.
    const about = offered.includes(challenge.scheme) ? challenge.scheme : (offered[0] as Scheme);
    const schemes = challenge.alone ? [about] : [about, ...offered.filter((s) => s !== about)];
    const headers: Array<readonly [string, string]> = schemes.map((scheme) => [
      "WWW-Authenticate",
      this.#challengeFor(scheme, scheme === about ? challenge : undefined),
    ]);
    if (challenge.nonce !== undefined) headers.push(["DPoP-Nonce", challenge.nonce]);
    const { error, description } = challenge;
    const body = error
      ? { error, ...(description ? { error_description: description } : {}) }
      : { error: "unauthorized" };
    return json(status, body, headers);
  }

  #challengeFor(scheme: Scheme, challenge: Challenge | undefined): string {
    const params: string[] = [];
    if (this.options.realm !== undefined) params.push(`realm="${this.options.realm}"`);
    if (challenge?.error) params.push(`error="${challenge.error}"`);
    if (challenge?.description) params.push(`error_description="${challenge.description}"`);
    if (challenge?.scopes && challenge.scopes.length > 0)
      params.push(`scope="${challenge.scopes.join(" ")}"`);
    if (scheme === "DPoP") params.push(`algs="${ALGS}"`);
    return params.length > 0 ? `${scheme} ${params.join(", ")}` : scheme;
  }
}

function schemeOf(word: string | undefined): Scheme | undefined {
  const lower = word?.toLowerCase();
  return lower === "bearer" ? "Bearer" : lower === "dpop" ? "DPoP" : undefined;
}

/** Path and query of a URL the standard parser built (Hono's `c.req.url`): its host was already parsed as a host. */
function targetOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return undefined;
  }
}
