/**
 * DPoP (RFC 9449): proof-of-possession for access tokens. A resource server
 * checks that a DPoP-bound token (`cnf.jkt`, §6.1) comes with a proof signed
 * by the very key it is bound to, made for this request (method, URL), this
 * token (`ath`) and recently, and seen once (§4.3, §7.1, §11.1); a client
 * makes such proofs. Web-standard only: jose over WebCrypto, and
 * `crypto.subtle.digest` for `ath`.
 * https://www.rfc-editor.org/rfc/rfc9449
 */
import * as jose from "jose";
import { type IdSwitchError, invalid } from "../core/errors.js";
import { LruMap } from "../core/lru-map.js";
import type { Claims } from "../core/types.js";
import { peekJwt } from "./verify-jwt.js";

/**
 * The signature algorithms a DPoP proof may use unless told otherwise: asymmetric only (RFC 9449 §4.3
 * check 5: never `none`, never a MAC). Also what a resource server names in its challenge (`algs`, §7.1).
 *
 * @example
 * // The `algs` of a resource server's challenge (RFC 9449 §7.1):
 * const challenge = `DPoP algs="${DPOP_ALGORITHMS.join(" ")}"`;
 */
export const DPOP_ALGORITHMS: readonly string[] = Object.freeze([
  "ES256",
  "ES384",
  "ES512",
  "PS256",
  "PS384",
  "PS512",
  "RS256",
  "RS384",
  "RS512",
  "EdDSA",
]);

/**
 * The DPoP side of one request to a resource server: the proof it came with,
 * what the proof must match, and the server's policy. What
 * `identity.verifyAccessToken(token, { audience, dpop })` checks a DPoP-bound
 * token against; the integrations' `bearerAuth` fills it from the request.
 *
 * @example
 * // A request as a resource server sees it: `Authorization: DPoP <token>` and a `DPoP` header.
 * const dpop: DpopRequest = {
 *   proof: headers.get("dpop") ?? undefined,
 *   method: "GET",
 *   url: "https://api.example/orders?page=2", // the query is not compared (RFC 9449 §4.3)
 *   scheme: "DPoP",
 *   policy: "required",
 * };
 */
export interface DpopRequest {
  /** The request's `DPoP` header; undefined when it had none. */
  readonly proof: string | undefined;
  /** The request's HTTP method (compared with `htm`). */
  readonly method: string;
  /**
   * The URL the client addressed (compared with `htu` without query and
   * fragment, RFC 9449 §4.3, after normalisation per RFC 3986 §6: scheme and
   * host case, default port, percent-encoding case). Give the string the
   * request line had: a path with a dot segment (`..`, `%2e%2e`) then matches
   * no proof — a `URL` object has resolved them already.
   */
  readonly url: string | URL;
  /** The Authorization scheme the token came with. */
  readonly scheme?: "DPoP" | "Bearer" | undefined;
  /** "required": an unbound (bearer) token is refused. "allowed" (default): bearer tokens pass, bound ones need their proof. */
  readonly policy?: "required" | "allowed" | undefined;
  /** Server nonces accepted now (RFC 9449 §8). When set, a proof without one of them is refused with reason `dpop_nonce`. */
  readonly nonces?: readonly string[] | undefined;
  /**
   * Proof signature algorithms accepted; default {@link DPOP_ALGORITHMS}
   * (asymmetric only: `none` and `HS*` are never accepted, even when listed).
   */
  readonly algorithms?: readonly string[] | undefined;
  /** How old a proof's `iat` may be, seconds (default 60); in the future: the clock tolerance only. */
  readonly maxAgeSeconds?: number | undefined;
}

/**
 * What {@link checkDpopBinding} needs from its caller besides the request:
 * the provider (for messages), the clock, and a replay memory.
 *
 * @example
 * // A replay memory for one process (several instances share a StateStore instead).
 * const seen = new Map<string, number>();
 * const context: DpopContext = {
 *   provider: "eu",
 *   now: Date.now(),
 *   clockToleranceSeconds: 30,
 *   remember: async (key, ttlMs) => {
 *     const until = seen.get(key);
 *     if (until !== undefined && until > Date.now()) return false;
 *     seen.set(key, Date.now() + ttlMs);
 *     return true;
 *   },
 * };
 */
export interface DpopContext {
  /** The provider that issued the token, for error messages; undefined when none was chosen. */
  readonly provider: string | undefined;
  /** The current time, epoch milliseconds. */
  readonly now: number;
  /** Seconds of clock skew tolerated on `iat`. */
  readonly clockToleranceSeconds: number;
  /**
   * Records a proof's `jti` (already namespaced: `<jkt>:<jti>`) for `ttlMs`;
   * resolves true when first seen, false on a replay.
   */
  readonly remember: (key: string, ttlMs: number) => Promise<boolean>;
}

/** Far above any real proof (an RSA-4096 `jwk` in the header is ~1 KiB); refused before it is parsed. */
const MAX_DPOP_PROOF_LENGTH = 8 * 1024;

/** One compact JWS: three base64url segments, nothing else (a comma means several `DPoP` headers were joined). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** JWK members that only a private (or symmetric) key has (RFC 7518 §6.2.2, §6.3.2, §6.4; `priv`: AKP keys). */
const PRIVATE_MEMBERS: readonly string[] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"];

const DEFAULT_MAX_AGE_SECONDS = 60;

/** Never a proof's algorithm, whatever a caller lists: no signature at all, or a MAC (RFC 9449 §4.3 check 5). */
function isAsymmetric(alg: string): boolean {
  return alg !== "none" && !alg.startsWith("HS");
}

/**
 * Checks the binding of a verified access token (its `claims`) to the
 * request, per RFC 9449 §4.3 and §7.1. A token is bound when its `cnf`
 * carries a `jkt` (other members, such as Keycloak's `kc-jkt-type`, are
 * ignored); a bound token must come with a valid proof of that key. Throws
 * `token_invalid` with reason `dpop_proof`, `dpop_nonce` or `dpop_binding`;
 * messages never hold the token or the proof. The proof's `jti` is
 * remembered only once every other check passed.
 *
 * With no `request` an unbound token passes and a bound one is refused:
 * a bound token must never pass as a bearer token unchecked.
 *
 * @example
 * // A resource server's own check, after the token itself was verified.
 * const dpop: DpopRequest = { proof: headers.get("dpop") ?? undefined, method: "POST", url, scheme: "DPoP" };
 * const seen = new Set<string>();
 * await checkDpopBinding(bearer, principal.claims, dpop, {
 *   provider: principal.provider,
 *   now: Date.now(),
 *   clockToleranceSeconds: 30,
 *   remember: async (key) => {
 *     if (seen.has(key)) return false; // a replay
 *     seen.add(key); // one process, never forgetting: a real server uses a shared store and the ttl
 *     return true;
 *   },
 * });
 */
export async function checkDpopBinding(
  accessToken: string,
  claims: Claims,
  request: DpopRequest | undefined,
  context: DpopContext,
): Promise<void> {
  const provider = context.provider;
  const jkt = boundKey(claims, provider);
  if (request === undefined) {
    if (jkt !== undefined) {
      throw invalid(provider, "dpop_binding", "the token is DPoP-bound and no DPoP proof was checked");
    }
    return;
  }
  const policy = request.policy ?? "allowed";
  if (policy !== "required" && policy !== "allowed") throw new TypeError("dpop.policy: unknown policy");
  if (jkt === undefined) {
    // §7.1: the DPoP scheme names a bound token; `required` accepts no other.
    if (request.scheme === "DPoP")
      throw invalid(provider, "dpop_binding", "the token came with the DPoP scheme but is not DPoP-bound");
    if (policy === "required") throw invalid(provider, "dpop_binding", "the token is not DPoP-bound");
    return; // a bearer token; a DPoP header beside it is not ours to judge (§7.2)
  }
  if (request.scheme === "Bearer") {
    throw invalid(provider, "dpop_binding", "the token is DPoP-bound but came as a bearer token");
  }
  if (request.proof === undefined) {
    if (request.scheme === "DPoP") throw invalid(provider, "dpop_proof", "the DPoP proof is missing");
    throw invalid(provider, "dpop_binding", "the token is DPoP-bound but came with no DPoP proof");
  }
  const proof = await verifyProof(request.proof, request, accessToken, jkt, context);
  // §11.1: a proof is good once. Namespaced by the key, so one client cannot spend another's jti.
  if (!(await context.remember(`${proof.jkt}:${proof.jti}`, proof.ttlMs))) {
    throw invalid(provider, "dpop_proof", "the DPoP proof was used before");
  }
}

/** `cnf.jkt` (RFC 9449 §6.1), or undefined for a token not DPoP-bound. */
function boundKey(claims: Claims, provider: string | undefined): string | undefined {
  const cnf = claims.cnf;
  if (cnf === undefined || cnf === null) return undefined;
  if (typeof cnf !== "object" || Array.isArray(cnf)) {
    throw invalid(provider, "dpop_binding", "the token's cnf claim is not an object");
  }
  if (!Object.hasOwn(cnf, "jkt")) {
    // Bound by another method (mTLS `x5t#S256`, RFC 8705; a `jwk`): nothing here can check it, and
    // taking the token as a bearer token would let whoever stole it use it. Fail closed.
    if (Object.keys(cnf).length === 0) return undefined;
    throw invalid(provider, "dpop_binding", "the token is bound to a key by another method than DPoP");
  }
  const jkt = (cnf as Record<string, unknown>).jkt;
  if (typeof jkt !== "string" || jkt.length === 0) {
    throw invalid(provider, "dpop_binding", "the token's cnf.jkt is not a thumbprint");
  }
  return jkt;
}

interface CheckedProof {
  readonly jkt: string;
  readonly jti: string;
  /** How much longer the proof would be accepted: how long its jti must be remembered. */
  readonly ttlMs: number;
}

/**
 * RFC 9449 §4.3 checks 1–12 and the binding to the token's key, cheapest
 * first: whoever holds a stolen token can send proofs by the thousand, each
 * with a key of their own (an RSA key of any size), so a proof of another key
 * than `jkt`, or for another request, is refused from its thumbprint and its
 * claims before any key is imported or signature checked. The claims read
 * before the signature are the very bytes it covers (`peekJwt` parses the
 * signed segment strictly; jose verifies the same segment).
 */
async function verifyProof(
  proof: string,
  request: DpopRequest,
  accessToken: string,
  boundJkt: string,
  context: DpopContext,
): Promise<CheckedProof> {
  const provider = context.provider;
  const refuse = (message: string, cause?: unknown): IdSwitchError =>
    invalid(provider, "dpop_proof", message, cause);
  if (typeof proof !== "string") throw refuse("the DPoP proof is not a string");
  // Check 1: one DPoP header, one JWT; bounded before anything parses it.
  if (proof.length > MAX_DPOP_PROOF_LENGTH) throw refuse("the DPoP proof is too large");
  if (proof.includes(",")) throw refuse("more than one DPoP proof");
  if (!COMPACT_JWS.test(proof)) throw refuse("the DPoP proof is not a compact JWS");
  // Check 2: well formed (canonical base64url, JSON objects without duplicate members).
  let header: jose.JWTHeaderParameters;
  let payload: jose.JWTPayload;
  try {
    ({ header, payload } = peekJwt(proof, provider));
  } catch (err) {
    throw refuse("the DPoP proof is not a well-formed JWT", err);
  }
  // Check 4: typ.
  if (typeof header.typ !== "string" || mediaType(header.typ) !== "dpop+jwt") {
    throw refuse("the DPoP proof is not typed dpop+jwt");
  }
  // Check 5: an asymmetric algorithm the server accepts.
  const algorithms = (request.algorithms ?? DPOP_ALGORITHMS).filter(isAsymmetric);
  if (typeof header.alg !== "string" || !algorithms.includes(header.alg)) {
    throw refuse("the DPoP proof algorithm is not accepted");
  }
  if ("crit" in header || "b64" in header) throw refuse("the DPoP proof uses a JWS extension");
  // Check 6: the jwk is a public key.
  const jwk = header.jwk;
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) {
    throw refuse("the DPoP proof has no jwk header");
  }
  if (jwk.kty === "oct" || PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))) {
    throw refuse("the DPoP proof's jwk is not a public key");
  }
  // Hashed meanwhile: both digests are WebCrypto jobs, which run off the main thread.
  const expectedAth = accessTokenHash(accessToken);
  expectedAth.catch(() => {}); // awaited below, unless the proof is refused first
  // The binding, from the thumbprint alone (a hash of the public members): no import, no signature.
  let jkt: string;
  try {
    jkt = await thumbprintOf(jwk as jose.JWK);
  } catch (err) {
    throw refuse("the DPoP proof's jwk is not a usable key", err);
  }
  if (jkt !== boundJkt) {
    throw invalid(
      provider,
      "dpop_binding",
      "the DPoP proof was signed by another key than the token is bound to",
    );
  }
  // Check 3: the claims every proof has.
  const { jti, htm, htu, iat } = payload;
  if (typeof jti !== "string" || jti.length === 0) throw refuse("the DPoP proof has no jti");
  if (typeof htm !== "string") throw refuse("the DPoP proof has no htm");
  if (typeof htu !== "string") throw refuse("the DPoP proof has no htu");
  if (typeof iat !== "number" || !Number.isFinite(iat)) throw refuse("the DPoP proof has no iat");
  // Check 8: the method; check 9: the URL, both without query and fragment.
  if (htm !== request.method) throw refuse("the DPoP proof htm does not match the request method");
  // The request's own URL may not have dot segments; the proof's htu is normalised as RFC 3986 §6 says.
  const target =
    typeof request.url === "string" && hasDotSegment(request.url) ? undefined : comparableUrl(request.url);
  if (target === undefined || comparableUrl(htu) !== target) {
    throw refuse("the DPoP proof htu does not match the request URL");
  }
  // Check 12 (with a token): ath is the hash of this very token.
  if (payload.ath !== (await expectedAth)) {
    throw refuse("the DPoP proof ath does not match the access token");
  }
  // Check 10: a nonce the server gave, when it gives them.
  const nonces = request.nonces;
  if (nonces !== undefined) {
    if (typeof payload.nonce !== "string")
      throw invalid(provider, "dpop_nonce", "the DPoP proof has no nonce");
    if (!nonces.includes(payload.nonce)) {
      throw invalid(provider, "dpop_nonce", "the DPoP proof nonce is not accepted now");
    }
  }
  // Check 11: created recently, within the clock tolerance.
  const maxAge = request.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  if (!(Number.isFinite(maxAge) && maxAge >= 0)) throw new TypeError("dpop.maxAgeSeconds: not a duration");
  const tolerance = context.clockToleranceSeconds;
  const nowSeconds = Math.floor(context.now / 1000);
  if (iat > nowSeconds + tolerance) throw refuse("the DPoP proof was issued in the future");
  if (nowSeconds - iat > maxAge + tolerance) throw refuse("the DPoP proof is too old");
  // Check 7, last: the signature, with the key the token is bound to.
  try {
    const key = await proofKey(header.alg, jwk as jose.JWK, jkt);
    await jose.jwtVerify(proof, key.key, {
      algorithms: algorithms as string[],
      typ: "dpop+jwt",
      currentDate: new Date(context.now),
      clockTolerance: context.clockToleranceSeconds,
    });
    key.keep(); // only a key that verified a proof of a bound token is kept
  } catch (err) {
    const signature = err instanceof jose.errors.JWSSignatureVerificationFailed;
    throw refuse(
      signature ? "the DPoP proof signature is invalid" : "the DPoP proof could not be verified",
      err,
    );
  }
  // Accepted until `now - iat` exceeds `maxAge + tolerance` (in whole seconds): remembered that long.
  const ttlMs = (iat + maxAge + tolerance + 1) * 1000 - context.now;
  return { jkt, jti, ttlMs: Math.max(1000, Math.ceil(ttlMs)) };
}

/** Clients keep their key for as long as their tokens live: far more than enough for the busiest server. */
const MAX_CACHED_KEYS = 1000;

/**
 * Proof keys imported, by algorithm and RFC 7638 thumbprint: importing a key
 * costs about as much as checking the signature, and a client signs every
 * request with the same one. The key is imported from its required members
 * only (what the thumbprint covers), so other spellings of the same key —
 * an added `kid`, members reordered — are one entry, and an entry is kept
 * only once it verified a signature: a flood of proofs showing a real
 * client's public key, or made-up keys, cannot push real keys out. Least
 * recently used keys are forgotten first.
 */
const proofKeys = new LruMap<string, jose.CryptoKey>(MAX_CACHED_KEYS);

/** How many proof keys are kept (for tests: a flood must not fill the cache). Not exported from the package. */
export function keptProofKeys(): number {
  return proofKeys.size;
}

async function proofKey(
  alg: string,
  jwk: jose.JWK,
  jkt: string,
): Promise<{ readonly key: jose.CryptoKey; keep(): void }> {
  // jose's EmbeddedJWK checks, made here — for every proof, cached key or not: `use` "sig" and `alg`
  // the header's when present.
  if (jwk.use !== undefined && jwk.use !== "sig") throw new TypeError("the jwk is not a signing key");
  if (jwk.alg !== undefined && jwk.alg !== alg) throw new TypeError("the jwk is for another algorithm");
  const id = `${alg}\n${jkt}`;
  const known = proofKeys.get(id);
  if (known !== undefined) return { key: known, keep: () => {} };
  const required = publicMembers(jwk);
  if (required === undefined) throw new TypeError("the jwk is not an EC, RSA or OKP key");
  const key = await jose.importJWK(required, alg);
  if (!(typeof key === "object" && "type" in key && key.type === "public")) {
    throw new TypeError("the jwk is not a public key");
  }
  return {
    key,
    keep: () => proofKeys.set(id, key),
  };
}

/**
 * RFC 7638 thumbprints by the jwk as sent: a client sends the same key with
 * every proof. Made-up keys can push entries out, which costs a real client
 * one more hash, never a wrong answer: a thumbprint is a function of the jwk.
 */
const thumbprints = new LruMap<string, string>(MAX_CACHED_KEYS);

async function thumbprintOf(jwk: jose.JWK): Promise<string> {
  const id = JSON.stringify(jwk);
  const known = thumbprints.get(id);
  if (known !== undefined) return known;
  const jkt = await jose.calculateJwkThumbprint(jwk, "sha256");
  thumbprints.set(id, jkt);
  return jkt;
}

/** RFC 7515 §4.1.9: compared case-insensitively, the `application/` prefix may be left out. */
function mediaType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith("application/") ? lower.slice("application/".length) : lower;
}

const PERCENT_ENCODED = /%[0-9A-Fa-f]{2}/g;
/** RFC 3986 §2.3: characters that never need percent-encoding. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * An http(s) URL without query and fragment, normalised per RFC 3986 §6.2.2
 * (and §6.2.3 for http): scheme and host in lower case, no default port,
 * dot segments removed, an empty path as "/" (what WHATWG `URL` does), and
 * percent-encodings in upper case, those of unreserved characters decoded.
 * Undefined for anything else: it matches nothing.
 */
function comparableUrl(value: string | URL): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  const path = url.pathname.replace(PERCENT_ENCODED, (encoded) => {
    const char = String.fromCharCode(Number.parseInt(encoded.slice(1), 16));
    return UNRESERVED.test(char) ? char : encoded.toUpperCase();
  });
  const userinfo = url.username || url.password ? `${url.username}:${url.password}@` : "";
  return `${url.protocol}//${userinfo}${url.host}${path}`;
}

const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * Whether the path of an absolute URL, as written, has a `.` or `..`
 * segment, plain or percent-encoded. A request URL with one matches no
 * proof: the URL parser resolves `/x/%2e%2e/y` to `/y`, while a router
 * matches `/x/:id/y` with `id` "..", so a proof for one resource would pass
 * for another.
 */
function hasDotSegment(url: string): boolean {
  const afterAuthority = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, "");
  const path = afterAuthority.split(/[?#]/, 1)[0] ?? "";
  return path.split(/\/|\\/).some((segment) => DOT_SEGMENT.test(segment));
}

/** `ath` (RFC 9449 §4.2): base64url(SHA-256(ASCII(access token))). */
async function accessTokenHash(accessToken: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accessToken));
  return jose.base64url.encode(new Uint8Array(digest));
}

/** The JWS algorithm of a WebCrypto signing key, or undefined for one DPoP cannot use. */
function algorithmOf(key: CryptoKey): string | undefined {
  const algorithm = key.algorithm as KeyAlgorithm & { namedCurve?: string; hash?: { name?: string } };
  const bits = algorithm.hash?.name?.replace("SHA-", "");
  switch (algorithm.name) {
    case "ECDSA":
      return { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" }[algorithm.namedCurve ?? ""];
    case "Ed25519":
      return "EdDSA";
    case "RSASSA-PKCS1-v1_5":
      return bits === "256" || bits === "384" || bits === "512" ? `RS${bits}` : undefined;
    case "RSA-PSS":
      return bits === "256" || bits === "384" || bits === "512" ? `PS${bits}` : undefined;
    default:
      return undefined;
  }
}

/** The public members of each key type (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2): nothing else goes in a proof. */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ["kty", "crv", "x", "y"],
  RSA: ["kty", "n", "e"],
  OKP: ["kty", "crv", "x"],
};

/**
 * The members of a public key an RFC 7638 thumbprint covers — all a DPoP
 * proof's `jwk` carries, all a proof key is imported from — or undefined for
 * a key type other than EC, RSA and OKP.
 */
export function publicMembers(jwk: Readonly<jose.JWK>): jose.JWK | undefined {
  const members = PUBLIC_MEMBERS[String(jwk.kty)];
  if (members === undefined) return undefined;
  return Object.fromEntries(members.filter((m) => m in jwk).map((m) => [m, jwk[m as keyof jose.JWK]]));
}

/** Each public key's JWK, exported once. */
const publicJwks = new WeakMap<CryptoKey, jose.JWK>();

async function publicJwkOf(key: CryptoKey): Promise<jose.JWK> {
  let jwk = publicJwks.get(key);
  if (jwk === undefined) {
    const members = publicMembers(await jose.exportJWK(key));
    if (members === undefined) throw new TypeError("createDpopProof: the key is not an EC, RSA or OKP key");
    jwk = Object.freeze(members);
    publicJwks.set(key, jwk);
  }
  return jwk;
}

/**
 * A DPoP proof (RFC 9449 §4.2) for one request: for calling a resource with
 * a DPoP-bound token (`accessToken` gives `ath`), or a token endpoint (no
 * `accessToken`). `htu` is `url` without its query and fragment. The key pair
 * is the client's, kept for as long as its tokens live: ECDSA (P-256, P-384,
 * P-521), Ed25519, RSASSA-PKCS1-v1_5 or RSA-PSS; its private key may be
 * non-extractable. Each proof has a fresh random `jti`: make one per request.
 *
 * @example
 * const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
 * const accessToken = bearer; // a token bound to this key (its cnf.jkt is the key's thumbprint)
 * const proof = await createDpopProof(keyPair, { method: "GET", url: ordersApi, accessToken });
 * await fetch(ordersApi, { headers: { authorization: `DPoP ${accessToken}`, dpop: proof } });
 */
export async function createDpopProof(
  keyPair: CryptoKeyPair,
  request: { method: string; url: string | URL; accessToken?: string; nonce?: string },
): Promise<string> {
  const privateKey = keyPair?.privateKey;
  const publicKey = keyPair?.publicKey;
  if (
    typeof CryptoKey === "undefined" ||
    !(privateKey instanceof CryptoKey) ||
    !(publicKey instanceof CryptoKey)
  ) {
    throw new TypeError("createDpopProof: keyPair must be a CryptoKeyPair");
  }
  const alg = algorithmOf(privateKey);
  if (alg === undefined || privateKey.type !== "private") {
    throw new TypeError("createDpopProof: the private key is not an ECDSA, Ed25519 or RSA signing key");
  }
  if (typeof request?.method !== "string" || request.method.length === 0) {
    throw new TypeError("createDpopProof: a method is required");
  }
  const url = new URL(request.url);
  url.search = "";
  url.hash = "";
  const jwk = await publicJwkOf(publicKey);
  const claims: jose.JWTPayload = {
    jti: jose.base64url.encode(crypto.getRandomValues(new Uint8Array(16))),
    htm: request.method,
    htu: url.href,
    iat: Math.floor(Date.now() / 1000),
  };
  if (request.accessToken !== undefined) claims.ath = await accessTokenHash(request.accessToken);
  if (request.nonce !== undefined) claims.nonce = request.nonce;
  return new jose.SignJWT(claims).setProtectedHeader({ alg, typ: "dpop+jwt", jwk }).sign(privateKey);
}
