/**
 * Benchmark 4: cold start — the first verification per issuer, which pays
 * for discovery and the key set, with a fresh `createIdentity` (fresh
 * providers: nothing cached) every repetition:
 *
 * - parallel: the first Entra and the first Keycloak token verified at once
 *   (`Promise.all`), so both issuers' fetches overlap;
 * - sequential: one issuer after the other;
 * - raw jose, the floor: `createRemoteJWKSet` on the already-known
 *   `jwks_uri` (no discovery), both issuers in parallel.
 *
 * The issuers are on loopback and connections are kept alive between
 * repetitions (undici's pool is global, for idswitch and jose alike), so
 * this measures the SDK's own cold path — discovery parsing, key import,
 * single-flight — not network round trips (DNS, TCP, TLS and two HTTP exchanges are 4–5 round
 * trips: 100–400 ms at 20–80 ms RTT).
 */
import * as jose from "jose";
import { createIdentity } from "../dist/index.js";
import { msSince, quantile, SCALE } from "./lib/measure.mjs";

const REPETITIONS = 12;

/**
 * @param {Awaited<ReturnType<import("./lib/world.mjs").createWorld>>} world
 * @param {{ entra: string, keycloak: string }} tokens  one token per issuer
 */
export async function benchColdStart(world, tokens, log) {
  const reps = Math.max(3, Math.round(REPETITIONS * Math.min(1, SCALE)));
  const rows = { parallel: [], sequential: [], jose: [], entraFirst: [], keycloakFirst: [] };
  const options = { audience: world.audience };
  for (let rep = 0; rep < reps; rep++) {
    {
      const identity = createIdentity({ providers: world.providers() });
      const start = process.hrtime.bigint();
      const timed = async (token, into) => {
        await identity.verifyAccessToken(token, options);
        into.push(msSince(start));
      };
      await Promise.all([timed(tokens.entra, rows.entraFirst), timed(tokens.keycloak, rows.keycloakFirst)]);
      rows.parallel.push(msSince(start));
      await identity.close();
    }
    {
      const identity = createIdentity({ providers: world.providers() });
      const start = process.hrtime.bigint();
      await identity.verifyAccessToken(tokens.entra, options);
      await identity.verifyAccessToken(tokens.keycloak, options);
      rows.sequential.push(msSince(start));
      await identity.close();
    }
    {
      const [entra, keycloak] = world.issuers;
      const start = process.hrtime.bigint();
      await Promise.all(
        [
          [entra, tokens.entra],
          [keycloak, tokens.keycloak],
        ].map(([issuer, token]) =>
          jose.jwtVerify(token, jose.createRemoteJWKSet(new URL(issuer.jwksUri)), {
            issuer: issuer.issuer,
            audience: issuer.audience,
            algorithms: ["RS256"],
          }),
        ),
      );
      rows.jose.push(msSince(start));
    }
  }
  log(`  ${reps} cold starts of each kind`);
  const stats = (values) => ({ p50: quantile(values, 0.5), max: Math.max(...values), n: values.length });
  return Object.fromEntries(Object.entries(rows).map(([key, values]) => [key, stats(values)]));
}
