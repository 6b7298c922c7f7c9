/**
 * The attacker's toolbox for test/security: keys the attacker controls, a
 * signer over exact header/payload bytes (so tests can write duplicate keys,
 * odd numbers, unencoded payloads), token surgery, a loopback server that
 * records every request it receives (for `jku`/`x5u`/SSRF), a recording
 * fetch to hand to providers, and a lab OIDC issuer served through an
 * injected fetch with keys the test chooses.
 */
import { constants, createHmac, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { base64url, exportJWK, type JWK } from "jose";
import type { FetchLike } from "../../src/index.js";

// ----- token surgery ---------------------------------------------------------------------------

export const b64 = (value: unknown): string =>
  base64url.encode(typeof value === "string" ? value : JSON.stringify(value));

export function partsOf(token: string): [string, string, string] {
  const [h = "", p = "", s = ""] = token.split(".");
  return [h, p, s];
}

export function decodePart(part: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64url.decode(part))) as Record<string, unknown>;
}

/** The token with its header and/or payload rewritten (re-encoded); the signature is kept as it was. */
export function reshape(
  token: string,
  change: {
    header?: (h: Record<string, unknown>) => Record<string, unknown>;
    payload?: (p: Record<string, unknown>) => Record<string, unknown>;
    signature?: string;
  },
): string {
  const [h, p, s] = partsOf(token);
  const header = change.header ? b64(change.header(decodePart(h))) : h;
  const payload = change.payload ? b64(change.payload(decodePart(p))) : p;
  return `${header}.${payload}.${change.signature ?? s}`;
}

// ----- keys and signing ------------------------------------------------------------------------

export type AttackerAlg = "RS256" | "PS256" | "ES256" | "ES384";

export interface AttackerKey {
  readonly alg: AttackerAlg;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public JWK, with kid/alg/use, as a JWKS would publish it. */
  readonly publicJwk: JWK & { kid: string };
}

export async function attackerKey(
  alg: AttackerAlg,
  options: { kid?: string; modulusLength?: number; namedCurve?: string } = {},
): Promise<AttackerKey> {
  const pair = alg.startsWith("ES")
    ? generateKeyPairSync("ec", { namedCurve: options.namedCurve ?? (alg === "ES256" ? "P-256" : "P-384") })
    : generateKeyPairSync("rsa", { modulusLength: options.modulusLength ?? 2048 });
  const kid = options.kid ?? `attacker-${alg}-${Math.random().toString(36).slice(2, 10)}`;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: "sig" };
  return { alg, kid, privateKey: pair.privateKey, publicKey: pair.publicKey, publicJwk };
}

/** base64url(signature) over `signingInput`, with the key's algorithm. */
export function signatureOf(key: AttackerKey, signingInput: string): string {
  const data = Buffer.from(signingInput);
  const hash = key.alg === "ES384" ? "sha384" : "sha256";
  const signature =
    key.alg === "PS256"
      ? sign(hash, data, { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
      : key.alg.startsWith("ES")
        ? sign(hash, data, { key: key.privateKey, dsaEncoding: "ieee-p1363" })
        : sign(hash, data, key.privateKey);
  return base64url.encode(signature);
}

/** Signs the exact header and payload text given: what a JSON serializer would never produce is allowed. */
export function signRaw(key: AttackerKey, headerText: string, payloadText: string): string {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  return `${input}.${signatureOf(key, input)}`;
}

/** A well-formed JWT signed with `key`; the header gets `alg` and `kid` unless given. */
export function forge(key: AttackerKey, payload: object, header: object = {}): string {
  return signRaw(
    key,
    JSON.stringify({ alg: key.alg, kid: key.kid, typ: "JWT", ...header }),
    JSON.stringify(payload),
  );
}

/** An HMAC-signed JWT keyed with `secret` (the RS256 → HS256 confusion attack). */
export function hmacJwt(
  alg: "HS256" | "HS384" | "HS512",
  secret: Uint8Array,
  header: object,
  payload: object,
): string {
  const input = `${b64({ ...header, alg })}.${b64(payload)}`;
  const mac = createHmac(`sha${alg.slice(2)}`, secret)
    .update(input)
    .digest();
  return `${input}.${base64url.encode(mac)}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

// ----- recorders -------------------------------------------------------------------------------

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
}

/**
 * A loopback HTTP server owned by the attacker: it answers every request
 * with `body` (a key set, by default empty) and records it. Whatever a token
 * names in `jku`/`x5u`/`iss` must never reach it.
 */
export interface Recorder {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecorder(body: () => unknown = () => ({ keys: [] })): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? "GET", url: request.url ?? "/" });
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(body()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A fetch for a provider's `runtime.fetch` that records `METHOD url` and then really fetches. */
export interface RecordingFetch {
  readonly fetch: FetchLike;
  readonly requests: string[];
  /** Requests whose URL contains `fragment` (e.g. "/certs", "/discovery/v2.0/keys", "/token"). */
  count(fragment: string, method?: string): number;
}

export function recordingFetch(): RecordingFetch {
  const requests: string[] = [];
  return {
    requests,
    fetch: (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      requests.push(`${init?.method ?? (input instanceof Request ? input.method : "GET")} ${url}`);
      return fetch(input, init);
    },
    count: (fragment, method) =>
      requests.filter((r) => r.includes(fragment) && (method === undefined || r.startsWith(`${method} `)))
        .length,
  };
}

// ----- a lab issuer ----------------------------------------------------------------------------

/**
 * An OIDC issuer the test controls completely, served through an injected
 * fetch (no socket): discovery and a key set with the JWKs given. Used where
 * a real provider cannot be made to sign what the attack needs (missing
 * `exp`, duplicate claims, `crit`, weak keys).
 */
export interface LabIssuer {
  readonly issuer: string;
  readonly fetch: FetchLike;
  readonly requests: string[];
  keys: JWK[];
  jwksFetches(): number;
}

export function labIssuer(issuer: string, keys: JWK[]): LabIssuer {
  const requests: string[] = [];
  const jwksUri = `${issuer}/jwks`;
  const lab: LabIssuer = {
    issuer,
    requests,
    keys,
    jwksFetches: () => requests.filter((url) => url === jwksUri).length,
    fetch: async (input) => {
      const url = input instanceof Request ? input.url : String(input);
      requests.push(url);
      if (url === `${issuer}/.well-known/openid-configuration`) {
        return Response.json({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: jwksUri,
          response_types_supported: ["code"],
          code_challenge_methods_supported: ["S256"],
        });
      }
      if (url === jwksUri) return Response.json({ keys: lab.keys });
      return new Response("not found", { status: 404 });
    },
  };
  return lab;
}
