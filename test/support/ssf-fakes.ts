// A transmitter that exists only in memory (its metadata and keys served through an injected
// fetch, its SETs signed here with jose), and a SessionRevoker that records what it was asked.
import * as jose from "jose";
import type { FetchLike } from "../../src/core/runtime.js";
import type { RevocationSource, RevocationTarget, SessionRevoker } from "../../src/sessions/revoker.js";

export const ISSUER = "https://auth.example.eu/realms/acme";
export const AUDIENCE = "ssf-receiver/stream-1";
export const PUSH_SECRET = "Bearer push-secret-0123456789abcdef";

export interface RecordedCall {
  readonly kind: "end" | "decided";
  readonly target: RevocationTarget;
  readonly status?: "disabled" | "deleted";
  readonly source: RevocationSource;
}

/** Records every request; ends one session per call unless told to fail. */
export class RecordingRevoker implements SessionRevoker {
  /** Each call, its target without the signal's time (that one is in {@link issuedAt}). */
  readonly calls: RecordedCall[] = [];
  /** The `issuedAt` of each `end` call, in order. */
  readonly issuedAt: Array<number | undefined> = [];
  failNext = false;

  async end(target: RevocationTarget, source: RevocationSource): Promise<number> {
    this.#maybeFail();
    const { issuedAt, ...named } = target;
    this.calls.push({ kind: "end", target: named, source });
    this.issuedAt.push(issuedAt);
    return 1;
  }

  async accountDecided(
    target: RevocationTarget & { readonly subject: string },
    status: "disabled" | "deleted",
    source: RevocationSource,
  ): Promise<number> {
    this.#maybeFail();
    const { issuedAt: _at, ...named } = target;
    this.calls.push({ kind: "decided", target: named, status, source });
    return 2;
  }

  #maybeFail(): void {
    if (!this.failNext) return;
    this.failNext = false;
    throw new Error("session index unavailable");
  }
}

export interface FakeTransmitter {
  readonly fetch: FetchLike;
  readonly requests: string[];
  readonly publicJwk: jose.JWK;
  /** Signs a SET with the transmitter's key; `claims` override the defaults, `header` the header. */
  sign(claims?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /** Signs with a key the transmitter does not publish. */
  signWithStrangerKey(claims?: Record<string, unknown>): Promise<string>;
  /** Extra routes (poll endpoint, stream API): path → handler. */
  readonly routes: Map<string, (request: Request) => Promise<Response> | Response>;
}

// Generated once per test file: RSA key generation is slow, and each test builds a transmitter.
const keyPairs = Promise.all([
  jose.generateKeyPair("RS256", { extractable: true }),
  jose.generateKeyPair("RS256"),
]);

export async function fakeTransmitter(now: () => number = Date.now): Promise<FakeTransmitter> {
  const [{ privateKey, publicKey }, stranger] = await keyPairs;
  const publicJwk = { ...(await jose.exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const requests: string[] = [];
  const routes = new Map<string, (request: Request) => Promise<Response> | Response>();
  const metadata = {
    spec_version: "1_0",
    issuer: ISSUER,
    jwks_uri: `${ISSUER}/protocol/openid-connect/certs`,
    delivery_methods_supported: ["urn:ietf:rfc:8935", "urn:ietf:rfc:8936"],
    configuration_endpoint: `${ISSUER}/ssf/transmitter/streams`,
    status_endpoint: `${ISSUER}/ssf/transmitter/streams/status`,
    verification_endpoint: `${ISSUER}/ssf/transmitter/verify`,
  };
  const fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    requests.push(`${request.method} ${url.pathname}`);
    if (url.pathname === "/.well-known/ssf-configuration/realms/acme") return Response.json(metadata);
    if (url.pathname === "/realms/acme/protocol/openid-connect/certs")
      return Response.json({ keys: [publicJwk] });
    const route = routes.get(url.pathname);
    if (route) return route(request);
    return Response.json({ error: "not found" }, { status: 404 });
  };
  const defaults = (): Record<string, unknown> => ({
    iss: ISSUER,
    aud: AUDIENCE,
    iat: Math.floor(now() / 1000),
    jti: crypto.randomUUID(),
    sub_id: { format: "iss_sub", iss: ISSUER, sub: "ada" },
    events: {
      "https://schemas.openid.net/secevent/caep/event-type/credential-change": { change_type: "update" },
    },
  });
  const signWith =
    (key: jose.CryptoKey, kid: string) =>
    (claims = {}, header = {}) =>
      new jose.SignJWT({ ...defaults(), ...claims })
        .setProtectedHeader({ alg: "RS256", typ: "secevent+jwt", kid, ...header } as jose.JWTHeaderParameters)
        .sign(key);
  return {
    fetch,
    requests,
    publicJwk,
    routes,
    sign: signWith(privateKey, "k1"),
    signWithStrangerKey: (claims) => signWith(stranger.privateKey, "k1")(claims),
  };
}

/** An unsigned token (`alg: none`), as an attacker would send it. */
export function unsignedSet(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "none", typ: "secevent+jwt" })}.${encode(claims)}.`;
}

/** An HS256 token keyed with the transmitter's public key (the algorithm-confusion attack). */
export async function hmacWithPublicKey(
  claims: Record<string, unknown>,
  publicJwk: jose.JWK,
): Promise<string> {
  const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "secevent+jwt", kid: "k1" })
    .sign(secret);
}

/** A push request as a transmitter sends it. */
export function pushRequest(token: string, headers: Record<string, string> = {}): Request {
  return new Request("https://app.example.eu/auth/signals", {
    method: "POST",
    headers: { authorization: PUSH_SECRET, "content-type": "application/secevent+jwt", ...headers },
    body: token,
  });
}
