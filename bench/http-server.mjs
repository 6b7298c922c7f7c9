/**
 * Benchmark 2's API server, one child process per variant so each gets its
 * own event loop and heap, and the load generator in the parent does not
 * share either. `GET /` answers 200 with the caller's subject, or 401.
 *
 * Variants (argv[2]):
 * - `none`: no authentication — the ceiling of node:http on this machine;
 * - `idswitch` / `idswitch-cached`: `identity.verifyAccessToken`, cache off / on;
 * - `peer`: jsonwebtoken + jwks-rsa, the common Express-era stack, one
 *   jwks-rsa client per issuer (its signing-key cache on, as by default),
 *   routed by `iss` and checking issuer, audience and RS256 like idswitch.
 *
 * The parent passes the world (issuers, client ids) in BENCH_WORLD and two
 * warm-up tokens in BENCH_WARMUP; once they verify, the child sends
 * `{ port }` over IPC, and answers "cpu" with its `process.cpuUsage()`.
 */
import { createServer } from "node:http";
import jwt from "jsonwebtoken";
import jwksRsa from "jwks-rsa";
import { createIdentity, entraId, keycloak } from "../dist/index.js";
import { issuerOf } from "./lib/contenders.mjs";

const variant = process.argv[2];
const world = JSON.parse(process.env.BENCH_WORLD ?? "{}");
const warmup = JSON.parse(process.env.BENCH_WARMUP ?? "[]");

/** @returns {(token: string) => Promise<string>} token → subject */
function authenticator() {
  if (variant === "idswitch" || variant === "idswitch-cached") {
    const { entra } = world;
    const identity = createIdentity({
      providers: [
        entraId({
          id: "entra",
          tenantId: entra.tenantId,
          clientId: entra.clientId,
          clientSecret: entra.clientSecret,
          authority: entra.url,
          v1IssuerBase: entra.v1IssuerBase,
        }),
        keycloak({
          id: "eu",
          issuer: world.keycloakIssuer,
          clientId: "service",
          clientSecret: "service-secret",
        }),
      ],
      tokenCache: variant === "idswitch-cached" ? { maxEntries: 10_000 } : false,
    });
    const options = { audience: world.audience };
    return async (token) => (await identity.verifyAccessToken(token, options)).subject;
  }
  if (variant === "peer") {
    const verifiers = new Map(
      world.issuers.map(({ issuer, audience, jwksUri }) => {
        const client = jwksRsa({ jwksUri, cache: true, rateLimit: true });
        const getKey = (header, callback) => {
          client.getSigningKey(header.kid).then(
            (key) => callback(null, key.getPublicKey()),
            (err) => callback(err),
          );
        };
        const options = { issuer, audience, algorithms: ["RS256"], clockTolerance: 30 };
        const verify = (token) =>
          new Promise((resolve, reject) => {
            jwt.verify(token, getKey, options, (err, payload) => (err ? reject(err) : resolve(payload.sub)));
          });
        return [issuer, verify];
      }),
    );
    return async (token) => {
      const verify = verifiers.get(issuerOf(token));
      if (!verify) throw new Error("unknown issuer");
      return verify(token);
    };
  }
  if (variant === "none") return async () => "anonymous";
  throw new Error(`unknown variant ${variant}`);
}

const authenticate = authenticator();

function reply(response, status, body) {
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

const server = createServer((request, response) => {
  const header = request.headers.authorization ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7) : "";
  // The no-auth baseline skips the header check too: it is the ceiling, not a variant.
  const work = variant === "none" ? authenticate() : token ? authenticate(token) : Promise.reject();
  work.then(
    (subject) => reply(response, 200, JSON.stringify({ subject })),
    () => reply(response, 401, '{"error":"invalid_token"}'),
  );
});

for (const token of warmup) await authenticate(token);
server.listen(0, "127.0.0.1", () => {
  process.send?.({ port: server.address().port });
});
// The parent asks for this process's CPU time around each load run: server CPU per request is far
// steadier than requests/s on a machine whose other tenants come and go.
process.on("message", (message) => {
  if (message === "cpu") process.send?.({ cpu: process.cpuUsage() });
});
process.on("disconnect", () => process.exit(0));
