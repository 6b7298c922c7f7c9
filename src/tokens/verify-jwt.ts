/**
 * Signature and claim verification of one JWT with jose, behind the checks
 * that must run before any key is fetched: size, compact form, algorithm
 * allow-list and exact issuer. jose's errors are translated here, at one
 * place, into `token_invalid` with a machine-readable reason.
 */
import * as jose from "jose";
import { IdSwitchError, invalid, type TokenInvalidReason } from "../core/errors.js";

/** Far above any real access token (one listing a person's many groups is ~6 KiB); stops parser abuse early. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * The one issuer a token may have: a fixed string, or — for providers whose
 * issuer depends on the token (one issuer per tenant, say) — a rule that
 * derives it from the unverified claims, or refuses (undefined).
 */
export type ExpectedIssuer = string | ((unverified: jose.JWTPayload) => string | undefined);

export interface JwtCheck {
  readonly provider: string;
  readonly issuer: ExpectedIssuer;
  /** Omitted only for a token received first-hand from the provider's token endpoint. */
  readonly audience?: string | readonly string[] | undefined;
  readonly algorithms: readonly string[];
  readonly now: number;
  readonly clockToleranceSeconds: number;
  readonly requiredClaims?: readonly string[];
  /**
   * The claims that may name the party a token was issued to; one must be
   * present when a token has several audiences. Default
   * {@link AUTHORIZED_PARTY_CLAIMS}; a provider that names it otherwise
   * supplies its own list.
   */
  readonly authorizedPartyClaims?: readonly string[];
}

const EXP_REQUIRED: readonly string[] = ["exp"];

/** `azp` (OIDC Core §2) and RFC 9068 §2.2's `client_id`. */
export const AUTHORIZED_PARTY_CLAIMS: readonly string[] = ["azp", "client_id"];

/** A token's header and payload — verified, or (from `peekJwt`) only decoded. */
export interface VerifiedJwt {
  readonly payload: jose.JWTPayload;
  readonly header: jose.JWTHeaderParameters;
}

/** Peeks at the unverified header and payload — only to pick a verifier and refuse early. */
export function peekJwt(token: string, provider: string | undefined): VerifiedJwt {
  if (typeof token !== "string" || token.length === 0) throw invalid(provider, "malformed", "no token");
  if (token.length > MAX_TOKEN_LENGTH) throw invalid(provider, "too_large", "token too large");
  const parts = token.split(".");
  if (parts.length !== 3) throw invalid(provider, "malformed", "not a compact JWS");
  // One spelling per token (RFC 7515 §2: unpadded base64url, and canonical — the spare bits of the
  // last character zero). Lenient decoders accept padding, whitespace and other final characters,
  // which would give one signed token many strings: each a miss of the verified-token cache.
  if (!parts.every(isCanonicalBase64url))
    throw invalid(provider, "malformed", "a token segment is not canonical base64url");
  let header: unknown;
  let payload: unknown;
  let problem: string | undefined;
  try {
    const headerText = decodeSegment(parts[0] ?? "");
    // The claims are taken from this decode once the signature is verified: strict UTF-8, as jose's.
    const payloadText = decodeSegmentStrictly(parts[1] ?? "");
    header = JSON.parse(headerText);
    payload = JSON.parse(payloadText);
    problem = jsonProblem(headerText, header) ?? jsonProblem(payloadText, payload);
  } catch (err) {
    throw invalid(provider, "malformed", "token is not a well-formed JWT", err);
  }
  if (!isObject(header) || !isObject(payload))
    throw invalid(provider, "malformed", "token is not a well-formed JWT");
  if (problem) throw invalid(provider, "malformed", `token JSON has ${problem}`);
  // Immutable (the header and claims were frozen by `jsonProblem`'s walk): on Node's RS* path these
  // are the claims `verifyJwt` returns once the signature checks, and the peek is shown to code
  // before that (every provider's `isIssuerOf`), which must not be able to change what is "verified".
  const peeked = Object.freeze({
    header: header as jose.JWTHeaderParameters,
    payload: payload as jose.JWTPayload,
  });
  PEEKED.set(peeked, token);
  return peeked;
}

/**
 * What each `peekJwt` result was decoded from. `verifyJwt` takes its claims
 * from a peek only of the very token whose signature it checks: a peek
 * handed in with another token is ignored, and the token peeked again.
 */
const PEEKED = new WeakMap<VerifiedJwt, string>();

type BufferLike = {
  from(text: string, encoding: "base64url" | "latin1"): Uint8Array & { toString(encoding: "utf8"): string };
};
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;
const utf8 = new TextDecoder("utf-8", { fatal: true });
/** For the claims: a BOM is kept, so that `JSON.parse` refuses it as before (a lenient decode kept it too). */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * One base64url segment as text. Node's Buffer where there is one (about
 * three times faster on the hot path); jose's decoder elsewhere. The UTF-8 is
 * decoded strictly, as jose decodes a protected header: on Node's RS* path
 * this decode is the header that is trusted once the signature checks (jose
 * does not decode it again), and a lenient one (U+FFFD for bad bytes) took
 * headers jose refuses. A BOM is kept, so that `JSON.parse` refuses it as it did.
 */
function decodeSegment(segment: string): string {
  return NodeBuffer
    ? strictUtf8.decode(NodeBuffer.from(segment, "base64url") as Uint8Array)
    : utf8.decode(jose.base64url.decode(segment));
}

/** `decodeSegment`, refusing bytes that are not UTF-8 (a lenient decode would replace them). */
function decodeSegmentStrictly(segment: string): string {
  return strictUtf8.decode(
    NodeBuffer ? (NodeBuffer.from(segment, "base64url") as Uint8Array) : jose.base64url.decode(segment),
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Nesting far beyond any real header or claims set (the providers we know stay under 5 levels). */
const MAX_JSON_DEPTH = 32;
const FORBIDDEN_MEMBERS: ReadonlySet<string> = new Set(["__proto__", "constructor"]);

/**
 * SECURITY.md #17 and #16. `JSON.parse` silently keeps the last of two
 * members with one name, so `{"sub":"a","sub":"b"}` (or `"alg":"none"` then
 * `"alg":"RS256"`) means different things to different parsers in a chain:
 * refuse duplicates (compared after unescaping: the text names more members
 * than the parsed value has), prototype-named members, and absurd nesting.
 * The value is frozen on the way (see `peekJwt`).
 */
function jsonProblem(text: string, value: unknown): string | undefined {
  const count = { members: 0 };
  const problem = inspect(value, 1, count);
  if (problem) return problem;
  return memberNames(text) === count.members ? undefined : "a duplicate member";
}

const BACKSLASH = 0x5c;
const COLON = 0x3a;

/**
 * How many member names `text` — JSON that `JSON.parse` accepted — has. In
 * valid JSON a string followed by a colon (after optional whitespace) is a
 * member name, and nothing else is. Jumps from quote to quote with
 * `indexOf` (a regular expression over the text cost more than the parse).
 */
function memberNames(text: string): number {
  let count = 0;
  let at = text.indexOf('"');
  while (at !== -1) {
    // The closing quote: the next one not escaped (preceded by an even run of backslashes).
    let end = text.indexOf('"', at + 1);
    while (end !== -1 && escaped(text, end)) end = text.indexOf('"', end + 1);
    if (end === -1) break;
    let next = end + 1;
    while (next < text.length && isJsonWhitespace(text.charCodeAt(next))) next += 1;
    if (text.charCodeAt(next) === COLON) count += 1;
    at = text.indexOf('"', next);
  }
  return count;
}

/** Whether the quote at `index` is escaped: an odd number of backslashes right before it. */
function escaped(text: string, index: number): boolean {
  let backslashes = 0;
  for (let i = index - 1; i >= 0 && text.charCodeAt(i) === BACKSLASH; i -= 1) backslashes += 1;
  return backslashes % 2 === 1;
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** Checks a parsed JSON value, counting its members, and freezes it (one walk for both). */
function inspect(value: unknown, depth: number, count: { members: number }): string | undefined {
  if (depth > MAX_JSON_DEPTH) return "too deep a nesting";
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const child of value) {
      if (typeof child === "object" && child !== null) {
        const problem = inspect(child, depth + 1, count);
        if (problem) return problem;
      }
    }
    return undefined;
  }
  const object = value as Record<string, unknown>;
  for (const name of Object.keys(object)) {
    if (FORBIDDEN_MEMBERS.has(name)) return "a prototype member";
    count.members += 1;
    const child = object[name];
    if (typeof child === "object" && child !== null) {
      const problem = inspect(child, depth + 1, count);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * Fails closed before any network call: the algorithm must be on the allow
 * list (no `none`, no HMAC keyed with a public key) and `iss` must be exactly
 * this provider's issuer, so a foreign token never makes us fetch anything.
 */
export function precheckJwt(peeked: VerifiedJwt, check: JwtCheck): string {
  const alg = peeked.header.alg;
  if (typeof alg !== "string" || !check.algorithms.includes(alg)) {
    throw invalid(check.provider, "algorithm", `algorithm ${JSON.stringify(alg ?? null)} is not allowed`);
  }
  // We understand no JWS extension (RFC 7515 §4.1.11) and never accept an unencoded payload
  // (RFC 7797; RFC 8725 §3.11): refuse both here, before any request, instead of letting jose
  // refuse them later as "unsupported algorithm" after discovery was fetched (SECURITY.md #6).
  if ("crit" in peeked.header || "b64" in peeked.header) {
    throw invalid(check.provider, "malformed", "token uses a JWS extension (crit/b64)");
  }
  const expected = typeof check.issuer === "string" ? check.issuer : check.issuer(peeked.payload);
  if (expected === undefined || peeked.payload.iss !== expected) {
    throw invalid(check.provider, "issuer", "token was not issued by this provider");
  }
  return expected;
}

/**
 * Verifies `token`; every failure becomes an `IdSwitchError`. `keys` is only
 * asked for once the pre-checks pass, so a foreign token costs no request.
 *
 * Keys are always selected by jose (the key set's `getKey`). RSA PKCS#1
 * signatures (RS256/384/512) on Node are then checked by `node:crypto` on
 * the libuv pool, and the claims by `checkClaims`, on the peek of this very
 * token (`peekJwt`'s decode, which refuses duplicate members, so it is the
 * one meaning of the signed bytes) — jose would decode, copy and parse the
 * token a second time to do the same checks. Every other algorithm, a key
 * jose would treat differently, and other runtimes go through `jose.jwtVerify`.
 */
export async function verifyJwt(
  token: string,
  keys: () => Promise<jose.JWTVerifyGetKey>,
  check: JwtCheck,
  peeked?: VerifiedJwt,
): Promise<VerifiedJwt> {
  // A caller that already peeked (to choose this verifier) saves the second decode — if it peeked this token.
  const unverified =
    peeked !== undefined && PEEKED.get(peeked) === token ? peeked : peekJwt(token, check.provider);
  const issuer = precheckJwt(unverified, check);
  const keySet = await keys();
  try {
    const verified =
      (await verifiedOnNode(token, keySet, unverified, issuer, check)) ??
      (await verifiedByJose(token, keySet, issuer, check));
    checkAfterJose(verified.payload, check);
    return verified;
  } catch (err) {
    throw translateJoseError(err, check.provider);
  }
}

async function verifiedByJose(
  token: string,
  key: jose.JWTVerifyGetKey | Awaited<ReturnType<jose.JWTVerifyGetKey>>,
  issuer: string,
  check: JwtCheck,
): Promise<VerifiedJwt> {
  // jose only reads these lists: handed over as they are, not copied per call.
  const options: jose.JWTVerifyOptions = {
    issuer,
    ...(check.audience === undefined ? {} : { audience: check.audience as string | string[] }),
    algorithms: check.algorithms as string[],
    currentDate: new Date(check.now),
    clockTolerance: check.clockToleranceSeconds,
    requiredClaims: (check.requiredClaims ?? EXP_REQUIRED) as string[],
  };
  const { payload, protectedHeader } =
    typeof key === "function"
      ? await jose.jwtVerify(token, key, options)
      : await jose.jwtVerify(token, key, options);
  return { payload, header: protectedHeader };
}

/** The subset of `node:crypto` the fast path uses. */
interface NodeCrypto {
  verify(
    algorithm: string,
    data: Uint8Array,
    key: object,
    signature: Uint8Array,
    callback: (error: Error | null, result: boolean) => void,
  ): void;
  KeyObject: { from(key: jose.CryptoKey): object };
}

type NodeProcess = {
  readonly versions?: Readonly<Record<string, string | undefined>>;
  getBuiltinModule?: (id: string) => unknown;
};
const nodeProcess = (globalThis as { process?: NodeProcess }).process;
/**
 * Node's own crypto, on Node only: Bun and Deno offer `process.getBuiltinModule` in their Node
 * compatibility layers, but the callback form of `crypto.verify` this path relies on is only
 * proven on Node (a runtime that never called back would hang every verification).
 */
const nodeCrypto =
  nodeProcess?.versions?.node !== undefined &&
  nodeProcess.versions.bun === undefined &&
  nodeProcess.versions.deno === undefined
    ? (nodeProcess.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined)
    : undefined;

/** RSASSA-PKCS1-v1_5 (RFC 7518 §3.3): the JWS algorithm → its hash, in node:crypto's and WebCrypto's names. */
const PKCS1_HASHES: ReadonlyMap<string, { readonly node: string; readonly webCrypto: string }> = new Map([
  ["RS256", { node: "sha256", webCrypto: "SHA-256" }],
  ["RS384", { node: "sha384", webCrypto: "SHA-384" }],
  ["RS512", { node: "sha512", webCrypto: "SHA-512" }],
]);

/** The unpadded base64url alphabet (RFC 7515 §2), which is all a compact JWS segment may hold. */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes to the same bytes with Buffer as with jose's strict decoder (no other character, no dangling one). */
function isBase64url(segment: string): boolean {
  return segment.length % 4 !== 1 && BASE64URL.test(segment);
}

const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** `isBase64url`, and the bits the last character does not fill are zero: the one spelling of its bytes. */
function isCanonicalBase64url(segment: string): boolean {
  if (!isBase64url(segment)) return false;
  const spare = segment.length % 4; // 2: 4 spare bits in the last character; 3: 2 spare bits
  if (spare === 0) return true;
  const last = BASE64URL_ALPHABET.indexOf(segment[segment.length - 1] ?? "");
  return (last & (spare === 2 ? 0x0f : 0x03)) === 0;
}

/** jose's floor for RSA keys (RFC 7518 §3.3): shorter keys are refused. */
const MIN_RSA_BITS = 2048;

/** Each CryptoKey jose resolved, as a node:crypto KeyObject (jose keeps one CryptoKey per published key). */
const keyObjects = new WeakMap<jose.CryptoKey, object>();

/**
 * The fast path; undefined where it does not apply (then jose verifies).
 * What jose's `jwtVerify` checks is checked here too: the three segments
 * are base64url, the key jose selected is an RSA public key for exactly this
 * algorithm, for verification, of at least 2048 bits, and the signature is
 * valid over the exact bytes of the first two segments; then `checkClaims`.
 */
async function verifiedOnNode(
  token: string,
  keySet: jose.JWTVerifyGetKey,
  unverified: VerifiedJwt,
  issuer: string,
  check: JwtCheck,
): Promise<VerifiedJwt | undefined> {
  const hash = PKCS1_HASHES.get(unverified.header.alg as string);
  if (hash === undefined || nodeCrypto === undefined || NodeBuffer === undefined) return undefined;
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  const protectedSegment = token.slice(0, first);
  const payloadSegment = token.slice(first + 1, second);
  const signatureSegment = token.slice(second + 1);
  if (!isBase64url(protectedSegment) || !isBase64url(payloadSegment) || !isBase64url(signatureSegment))
    return undefined; // jose decides what an oddly encoded token means
  const key = await keySet(unverified.header, {
    protected: protectedSegment,
    payload: payloadSegment,
    signature: signatureSegment,
  });
  const keyObject = nodeKeyOf(key, hash.webCrypto);
  // A key of another kind (or one jose would refuse): jose verifies with it, and says why not.
  if (keyObject === undefined) return verifiedByJose(token, key, issuer, check);
  const signature = NodeBuffer.from(signatureSegment, "base64url");
  const signingInput = NodeBuffer.from(token.slice(0, second), "latin1");
  const valid = await new Promise<boolean>((resolve, reject) => {
    nodeCrypto.verify(hash.node, signingInput, keyObject, signature, (error, result) => {
      if (error) reject(new jose.errors.JWSSignatureVerificationFailed(undefined, { cause: error }));
      else resolve(result);
    });
  });
  if (!valid) throw new jose.errors.JWSSignatureVerificationFailed();
  checkClaims(unverified.payload, issuer, check);
  return unverified;
}

function nodeKeyOf(key: unknown, hash: string): object | undefined {
  if (typeof CryptoKey === "undefined" || !(key instanceof CryptoKey) || nodeCrypto === undefined)
    return undefined;
  const algorithm = key.algorithm as RsaHashedKeyAlgorithm;
  if (
    key.type !== "public" ||
    !key.usages.includes("verify") ||
    algorithm.name !== "RSASSA-PKCS1-v1_5" ||
    algorithm.hash?.name !== hash ||
    !(algorithm.modulusLength >= MIN_RSA_BITS)
  ) {
    return undefined;
  }
  let keyObject = keyObjects.get(key);
  if (keyObject === undefined) {
    keyObject = nodeCrypto.KeyObject.from(key);
    keyObjects.set(key, keyObject);
  }
  return keyObject;
}

/**
 * jose's claim checks (`validateClaimsSet`) for the options `verifyJwt`
 * gives it, in jose's order and with jose's errors (so `translateJoseError`
 * reports them alike): presence of `iss`, `aud` (when an audience is asked)
 * and the required claims; `iss` exactly; `aud` naming one of the audiences;
 * `iat`, `nbf`, `exp` numbers when present; `nbf` reached and `exp` not
 * passed, within the clock tolerance.
 */
function checkClaims(payload: jose.JWTPayload, issuer: string, check: JwtCheck): void {
  const required = check.requiredClaims ?? EXP_REQUIRED;
  if (!Object.hasOwn(payload, "iss")) claimFailed(payload, "iss", "missing");
  if (check.audience !== undefined && !Object.hasOwn(payload, "aud")) claimFailed(payload, "aud", "missing");
  for (let i = required.length - 1; i >= 0; i -= 1) {
    const claim = required[i] as string;
    if (!Object.hasOwn(payload, claim)) claimFailed(payload, claim, "missing");
  }
  if (payload.iss !== issuer) claimFailed(payload, "iss", "check_failed");
  if (check.audience !== undefined && !audiencePresent(payload.aud, check.audience))
    claimFailed(payload, "aud", "check_failed");
  const now = Math.floor(check.now / 1000);
  const tolerance = check.clockToleranceSeconds;
  if (payload.iat !== undefined && typeof payload.iat !== "number") claimFailed(payload, "iat", "invalid");
  const nbf = payload.nbf;
  if (nbf !== undefined) {
    if (typeof nbf !== "number") claimFailed(payload, "nbf", "invalid");
    if (nbf > now + tolerance) claimFailed(payload, "nbf", "check_failed");
  }
  const exp = payload.exp;
  if (exp !== undefined) {
    if (typeof exp !== "number") claimFailed(payload, "exp", "invalid");
    if (exp <= now - tolerance)
      throw new jose.errors.JWTExpired('"exp" claim timestamp check failed', payload, "exp", "check_failed");
  }
}

function claimFailed(payload: jose.JWTPayload, claim: string, reason: string): never {
  const message =
    reason === "missing"
      ? `missing required "${claim}" claim`
      : reason === "invalid"
        ? `"${claim}" claim must be a number`
        : `unexpected "${claim}" claim value`;
  throw new jose.errors.JWTClaimValidationFailed(message, payload, claim, reason);
}

/** jose's rule: a string `aud` must be one of the audiences; an array must hold one of them. */
function audiencePresent(aud: unknown, expected: string | readonly string[]): boolean {
  const audiences: readonly string[] = typeof expected === "string" ? [expected] : expected;
  if (typeof aud === "string") return audiences.includes(aud);
  if (Array.isArray(aud)) return audiences.some((audience) => aud.includes(audience));
  return false;
}

/**
 * What jose leaves to the caller (SECURITY.md #8, #9):
 * - a NumericDate must be finite: JSON `1e309` parses to Infinity, a token that never expires;
 * - `iat` in the future beyond the tolerance: jose checks it only with `maxTokenAge`;
 * - several audiences need the party the token was issued to (OIDC Core §3.1.3.7),
 *   in one of `check.authorizedPartyClaims`.
 */
function checkAfterJose(payload: jose.JWTPayload, check: JwtCheck): void {
  for (const claim of ["exp", "nbf", "iat"] as const) {
    const value = payload[claim];
    if (value !== undefined && !Number.isFinite(value)) {
      throw invalid(check.provider, "claims", `token claim "${claim}" is not a finite number`);
    }
  }
  const now = Math.floor(check.now / 1000);
  if (typeof payload.iat === "number" && payload.iat > now + check.clockToleranceSeconds) {
    throw invalid(check.provider, "not_yet_valid", "token was issued in the future");
  }
  const claims = check.authorizedPartyClaims ?? AUTHORIZED_PARTY_CLAIMS;
  const party = claims.some((claim) => typeof payload[claim] === "string");
  if (check.audience !== undefined && Array.isArray(payload.aud) && payload.aud.length > 1 && !party) {
    throw invalid(check.provider, "audience", "token has several audiences and names no authorized party");
  }
}

function translateJoseError(err: unknown, provider: string): IdSwitchError {
  if (err instanceof IdSwitchError) return err; // the key fetch already said "provider_unavailable"
  if (err instanceof jose.errors.JWTExpired) return invalid(provider, "expired", "token has expired", err);
  if (err instanceof jose.errors.JWTClaimValidationFailed) {
    return invalid(
      provider,
      claimReason(err.claim, err.reason),
      `token claim "${err.claim}" is not acceptable`,
      err,
    );
  }
  if (err instanceof jose.errors.JOSEAlgNotAllowed)
    return invalid(provider, "algorithm", "algorithm not allowed", err);
  if (err instanceof jose.errors.JWSSignatureVerificationFailed) {
    return invalid(provider, "signature", "signature verification failed", err);
  }
  if (err instanceof jose.errors.JWKSNoMatchingKey || err instanceof jose.errors.JWKSMultipleMatchingKeys) {
    return invalid(provider, "unknown_key", "no single published key matches the token", err);
  }
  if (err instanceof jose.errors.JWKSTimeout || err instanceof jose.errors.JWKSInvalid) {
    return new IdSwitchError("provider_unavailable", `${provider}: key set unavailable`, {
      provider,
      reason: "jwks",
      cause: err,
    });
  }
  if (err instanceof jose.errors.JOSENotSupported)
    return invalid(provider, "algorithm", "unsupported key or algorithm", err);
  return invalid(provider, "malformed", "token could not be verified", err);
}

function claimReason(claim: string, reason: string): TokenInvalidReason {
  if (claim === "iss") return "issuer";
  if (claim === "aud") return "audience";
  // Only a failed time comparison is "not yet valid"; a non-numeric nbf is a bad claim.
  if ((claim === "nbf" || claim === "iat") && reason === "check_failed") return "not_yet_valid";
  return "claims";
}
