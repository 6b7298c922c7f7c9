/**
 * The two issuers every benchmark uses, and the tokens they mint:
 *
 * - Entra ID: the loopback emulator from `idswitch/testing`, one tenant, an
 *   API app (v2 access tokens, audience = its client id) and a daemon app
 *   that gets client-credentials tokens for it. Each token carries a random
 *   `uti`, so tokens minted in the same second still differ.
 * - Keycloak: the real server at `KEYCLOAK_URL` (realm `idswitch`, client
 *   `service`), whose tokens carry a random `jti` and audience `api` (the
 *   realm fixture's audience mapper); else the Keycloak-shaped local issuer.
 *
 * Both are RS256. The key sets are fetched once here, so the peers verify
 * against exactly the keys idswitch fetches for itself.
 */
import { createPublicKey } from "node:crypto";
import { entraId, keycloak } from "../../dist/index.js";
import { createEntraEmulator } from "../../dist/testing/index.js";
import { startLocalKeycloak } from "./local-keycloak.mjs";
import { mapLimit } from "./measure.mjs";

/** Concurrency of token minting: fast, without flooding a Keycloak other engineers' tests share. */
const MINT_CONCURRENCY = 8;

/**
 * @typedef {object} Issuer
 * @property {string} id          provider id in `createIdentity` ("entra" or "eu")
 * @property {string} issuer      exact `iss` of its tokens
 * @property {string} audience    the audience an API checks
 * @property {string} jwksUri
 * @property {{ keys: object[] }} jwks
 * @property {Map<string, string>} pemByKid    SPKI PEM of each signing key (what jwks-rsa hands out)
 * @property {Map<string, import("node:crypto").KeyObject>} keyByKid  the same keys, imported once
 */

/** Starts both issuers and fetches their metadata. */
export async function createWorld() {
  const entra = await createEntraEmulator();
  const tenant = entra.addTenant({ domain: "bench.example" });
  const api = entra.addApp({ tenantId: tenant.id, displayName: "bench-api", accessTokenVersion: 2 });
  const daemonSecret = "bench-daemon-secret";
  const daemon = entra.addApp({ tenantId: tenant.id, displayName: "bench-daemon", secret: daemonSecret });
  entra.grantAppRoles(daemon.clientId, api.clientId, []);
  const entraScope = `${api.identifierUri}/.default`;

  const realKeycloak = process.env.KEYCLOAK_URL?.replace(/\/+$/, "");
  const local = realKeycloak ? undefined : await startLocalKeycloak();
  const keycloakBase = realKeycloak ?? local.url;
  const keycloakIssuer = `${keycloakBase}/realms/idswitch`;

  const entraIssuer = await issuerFrom(entra.issuerV2(tenant.id), api.clientId, "entra");
  const keycloakIssuerInfo = await issuerFrom(keycloakIssuer, "api", "eu");

  const entraTokenUrl = `${entra.url}/${tenant.id}/oauth2/v2.0/token`;
  const keycloakTokenUrl = `${keycloakIssuer}/protocol/openid-connect/token`;

  return {
    keycloakKind: realKeycloak
      ? `real Keycloak at ${realKeycloak} (realm idswitch, client service)`
      : "local Keycloak-shaped issuer on node:http (KEYCLOAK_URL unset)",
    entra,
    tenantId: tenant.id,
    entraScope,
    issuers: /** @type {Issuer[]} */ ([entraIssuer, keycloakIssuerInfo]),
    /** The audience option of `identity.verifyAccessToken`, per provider id. */
    audience: { entra: api.clientId, eu: "api" },
    /** Distinct Entra client-credentials access tokens. */
    mintEntra: (count) =>
      mint(count, entraTokenUrl, {
        grant_type: "client_credentials",
        client_id: daemon.clientId,
        client_secret: daemonSecret,
        scope: entraScope,
      }),
    /** Distinct Keycloak client-credentials access tokens (they live 300 s: mint close to use). */
    mintKeycloak: (count) =>
      mint(count, keycloakTokenUrl, {
        grant_type: "client_credentials",
        client_id: "service",
        client_secret: "service-secret",
      }),
    /** Fresh providers (new discovery, new key sets), as an application would configure them. */
    providers: (runtime = {}) => [
      entraId({
        id: "entra",
        tenantId: tenant.id,
        clientId: daemon.clientId,
        clientSecret: daemonSecret,
        authority: entra.url,
        v1IssuerBase: entra.v1IssuerBase,
        runtime,
      }),
      keycloak({
        id: "eu",
        issuer: keycloakIssuer,
        clientId: "service",
        clientSecret: "service-secret",
        runtime,
      }),
    ],
    /** What a child process needs to configure the same providers. */
    describe: () => ({
      entra: {
        url: entra.url,
        v1IssuerBase: entra.v1IssuerBase,
        tenantId: tenant.id,
        clientId: daemon.clientId,
        clientSecret: daemonSecret,
      },
      keycloakIssuer,
      audience: { entra: api.clientId, eu: "api" },
      issuers: [entraIssuer, keycloakIssuerInfo].map(({ issuer, audience, jwksUri }) => ({
        issuer,
        audience,
        jwksUri,
      })),
    }),
    async close() {
      await entra.close();
      await local?.close();
    },
  };
}

/** Discovery → JWKS → per-kid PEM and KeyObject, for the peers. */
async function issuerFrom(issuer, audience, id) {
  const discovery = await getJson(`${issuer}/.well-known/openid-configuration`);
  if (discovery.issuer !== issuer) throw new Error(`discovery of ${issuer} names ${discovery.issuer}`);
  const jwks = await getJson(discovery.jwks_uri);
  const pemByKid = new Map();
  const keyByKid = new Map();
  for (const jwk of jwks.keys) {
    // Keycloak also publishes an RSA-OAEP encryption key: signing keys only.
    if (jwk.kty !== "RSA" || (jwk.use !== undefined && jwk.use !== "sig")) continue;
    const key = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: "jwk" });
    keyByKid.set(jwk.kid, key);
    pemByKid.set(jwk.kid, key.export({ type: "spki", format: "pem" }));
  }
  return { id, issuer, audience, jwksUri: discovery.jwks_uri, jwks, pemByKid, keyByKid };
}

async function getJson(url) {
  const response = await fetch(url, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.json();
}

/** `count` access tokens from a token endpoint; throws if any two are identical. */
async function mint(count, tokenUrl, form) {
  const tokens = await mapLimit(Array.from({ length: count }), MINT_CONCURRENCY, async () => {
    const response = await fetch(tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams(form),
    });
    const body = await response.json();
    if (!response.ok || typeof body.access_token !== "string") {
      throw new Error(`token endpoint ${tokenUrl}: HTTP ${response.status} ${JSON.stringify(body)}`);
    }
    return body.access_token;
  });
  if (new Set(tokens).size !== tokens.length) throw new Error(`${tokenUrl} minted duplicate tokens`);
  return tokens;
}

/** Entra and Keycloak tokens alternated, so every run sees the same mix in the same order. */
export function interleave(a, b) {
  const mixed = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) mixed.push(a[i]);
    if (i < b.length) mixed.push(b[i]);
  }
  return mixed;
}
