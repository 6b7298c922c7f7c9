/**
 * A minimal OIDC issuer served through an injected fetch (no sockets): a
 * discovery document, a JWKS, and a signer. For the engine's unit tests only —
 * Keycloak behaviour is proven against the real Keycloak in test/integration.
 */
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import type { Identity, IdentitySession } from "../../src/index.js";

export interface FakeIssuer {
  readonly issuer: string;
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Every URL fetched, in order. */
  readonly requests: string[];
  /** `typ: null` leaves the header's `typ` out; `JWT` when not given. */
  sign(payload: JWTPayload, header?: { alg?: string; kid?: string; typ?: string | null }): Promise<string>;
  readonly publicJwk: JsonWebKey & { kid: string };
  /** Answers POSTs to the token endpoint; tests set it. */
  token: (form: URLSearchParams, headers: Headers) => Promise<Response>;
}

/**
 * `announcedIssuer` is the `issuer` the discovery document states, when it
 * differs from the URL it is served under (Entra's `/organizations` document
 * announces the template `…/{tenantid}/v2.0`).
 */
export async function createFakeIssuer(
  issuer = "https://idp.example.test/realms/acme",
  jwkExtras: Record<string, unknown> = {},
  announcedIssuer = issuer,
): Promise<FakeIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: "key-1", alg: "RS256", use: "sig", ...jwkExtras };
  const requests: string[] = [];
  const documents: Record<string, unknown> = {
    [`${issuer}/.well-known/openid-configuration`]: {
      issuer: announcedIssuer,
      authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
      token_endpoint: `${issuer}/protocol/openid-connect/token`,
      jwks_uri: `${issuer}/protocol/openid-connect/certs`,
      end_session_endpoint: `${issuer}/protocol/openid-connect/logout`,
      code_challenge_methods_supported: ["plain", "S256"],
      response_types_supported: ["code"],
      id_token_signing_alg_values_supported: ["RS256"],
    },
    [`${issuer}/protocol/openid-connect/certs`]: { keys: [publicJwk] },
  };
  const fake: FakeIssuer = {
    issuer,
    requests,
    publicJwk,
    token: async () => Response.json({ error: "unsupported_grant_type" }, { status: 400 }),
    async fetch(input, init) {
      const url = input instanceof Request ? input.url : String(input);
      requests.push(url);
      if (url === `${issuer}/protocol/openid-connect/token` && init?.method === "POST") {
        return fake.token(new URLSearchParams(String(init.body)), new Headers(init.headers));
      }
      const body = documents[url];
      if (!body) return new Response("not found", { status: 404 });
      return Response.json(body);
    },
    async sign(payload, header = {}) {
      return new SignJWT({ iss: issuer, ...payload })
        .setProtectedHeader({
          alg: header.alg ?? "RS256",
          kid: header.kid ?? "key-1",
          ...(header.typ === null ? {} : { typ: header.typ ?? "JWT" }),
        })
        .sign(privateKey);
    },
  };
  return fake;
}

/**
 * A sign-in through `identity` at the fake issuer (client id `app`), the
 * provider session `sid` in its ID token, issued `later` seconds from now.
 */
export async function signInAtFake(
  identity: Identity,
  idp: FakeIssuer,
  redirectUri: string,
  { sub, sid, later = 0 }: { sub: string; sid: string; later?: number },
): Promise<IdentitySession> {
  const { state } = await identity.beginLogin();
  idp.token = async () => {
    const now = Math.floor(Date.now() / 1000) + later;
    const idToken = await idp.sign({ sub, sid, aud: "app", iat: now, exp: now + 300, nonce: state.nonce });
    return Response.json({
      access_token: "opaque",
      token_type: "Bearer",
      expires_in: 300,
      id_token: idToken,
    });
  };
  return identity.completeLogin(`${redirectUri}?code=c-${sid}&state=${state.state}`, state);
}
