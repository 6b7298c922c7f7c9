/**
 * A Keycloak-shaped issuer on node:http, used when no real Keycloak is
 * reachable (`KEYCLOAK_URL` unset). It serves what the benchmarks touch —
 * discovery, JWKS and client-credentials tokens for client `service` — with
 * the paths, header and claim shape of Keycloak 26's service-account access
 * tokens (test/fixtures/keycloak/idswitch-realm.json: audience mapper adds
 * `api`), so the verifiers do the same work as against the real server.
 * It is not an emulator of Keycloak's behaviour: no users, no errors.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import * as jose from "jose";

const REALM = "idswitch";
const CLIENT_ID = "service";
const CLIENT_SECRET = "service-secret";
/** The realm fixture's `accessTokenLifespan`. */
const LIFESPAN_SECONDS = 300;

/**
 * Starts the issuer on 127.0.0.1 (ephemeral port).
 * @returns {Promise<{ url: string, issuer: string, close: () => Promise<void> }>}
 */
export async function startLocalKeycloak() {
  const { publicKey, privateKey } = await jose.generateKeyPair("RS256", { extractable: true });
  const publicJwk = await jose.exportJWK(publicKey);
  const kid = await jose.calculateJwkThumbprint(publicJwk);
  const jwks = { keys: [{ ...publicJwk, kid, kty: "RSA", alg: "RS256", use: "sig" }] };
  const serviceAccountId = randomUUID();
  let issuer = "";

  const server = createServer((request, response) => {
    handle(request)
      .then(({ status, body }) => {
        response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
        response.end(JSON.stringify(body));
      })
      .catch(() => {
        response.writeHead(500).end();
      });
  });

  async function handle(request) {
    const path = new URL(request.url ?? "/", "http://local.invalid").pathname;
    const base = `/realms/${REALM}`;
    if (path === `${base}/.well-known/openid-configuration`) return { status: 200, body: discovery() };
    if (path === `${base}/protocol/openid-connect/certs`) return { status: 200, body: jwks };
    if (path === `${base}/protocol/openid-connect/token` && request.method === "POST") {
      return token(new URLSearchParams(await readBody(request)));
    }
    return { status: 404, body: { error: "not_found" } };
  }

  function discovery() {
    const oidc = `${issuer}/protocol/openid-connect`;
    return {
      issuer,
      authorization_endpoint: `${oidc}/auth`,
      token_endpoint: `${oidc}/token`,
      jwks_uri: `${oidc}/certs`,
      userinfo_endpoint: `${oidc}/userinfo`,
      end_session_endpoint: `${oidc}/logout`,
      grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
      response_types_supported: ["code"],
      subject_types_supported: ["public", "pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
      code_challenge_methods_supported: ["plain", "S256"],
    };
  }

  async function token(form) {
    if (form.get("grant_type") !== "client_credentials") {
      return { status: 400, body: { error: "unsupported_grant_type" } };
    }
    if (form.get("client_id") !== CLIENT_ID || form.get("client_secret") !== CLIENT_SECRET) {
      return { status: 401, body: { error: "unauthorized_client", error_description: "Invalid client" } };
    }
    const now = Math.floor(Date.now() / 1000);
    // Keycloak 26's service-account access token, claim for claim (see the header comment).
    const claims = {
      exp: now + LIFESPAN_SECONDS,
      iat: now,
      jti: `trrtcc:${randomUUID()}`,
      iss: issuer,
      aud: ["api", "account"],
      sub: serviceAccountId,
      typ: "Bearer",
      azp: CLIENT_ID,
      acr: "1",
      realm_access: { roles: [`default-roles-${REALM}`, "offline_access", "uma_authorization"] },
      resource_access: {
        api: { roles: ["read"] },
        account: { roles: ["manage-account", "manage-account-links", "view-profile"] },
      },
      scope: "profile email",
      clientHost: "127.0.0.1",
      email_verified: false,
      preferred_username: `service-account-${CLIENT_ID}`,
      clientAddress: "127.0.0.1",
      client_id: CLIENT_ID,
    };
    const accessToken = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
      .sign(privateKey);
    return {
      status: 200,
      body: {
        access_token: accessToken,
        expires_in: LIFESPAN_SECONDS,
        refresh_expires_in: 0,
        token_type: "Bearer",
        "not-before-policy": 0,
        scope: "profile email",
      },
    };
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(undefined));
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  issuer = `${url}/realms/${REALM}`;
  return {
    url,
    issuer,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => resolve(body));
    request.on("error", reject);
  });
}
