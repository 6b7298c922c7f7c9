/**
 * The verifiers compared in benchmark 1. Each one does what idswitch does
 * for a bearer token from either issuer, so the comparison is fair:
 *
 * - route by the token's `iss` to that issuer's verifier (peers use one
 *   shared, minimal payload decode: `issuerOf`), an unknown issuer refused;
 * - check the signature with that issuer's published keys only (by `kid`),
 *   RS256 only, then `iss` exactly, `aud` (per issuer), `exp` (required)
 *   and `nbf`, with the same 30 s clock tolerance.
 *
 * idswitch additionally normalises claims into a Principal and runs its
 * provider rules (Entra key-issuer binding, "is this an access token");
 * that is part of the cost measured, because it is part of the product.
 */
import { verify as cryptoVerify } from "node:crypto";
import { createVerifier } from "fast-jwt";
import * as jose from "jose";
import jwt from "jsonwebtoken";
import { createIdentity } from "../../dist/index.js";

const CLOCK_TOLERANCE_S = 30;
/** One size for both caches, well above the 1,000 tokens, so neither evicts. */
const CACHE_ENTRIES = 10_000;

/** The unverified `iss`: the one payload decode a multi-issuer peer needs to pick a verifier. */
export function issuerOf(token) {
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  const payload = JSON.parse(Buffer.from(token.slice(first + 1, second), "base64url").toString("utf8"));
  return payload.iss;
}

/** A verifier per issuer, chosen by `iss`; an unknown issuer is an error, as in idswitch. */
function byIssuer(issuers, make) {
  const verifiers = new Map(issuers.map((issuer) => [issuer.issuer, make(issuer)]));
  return (token) => {
    const verify = verifiers.get(issuerOf(token));
    if (!verify) throw new Error("unknown issuer");
    return verify(token);
  };
}

/**
 * @typedef {object} Contender
 * @property {string} key
 * @property {string} label
 * @property {boolean} [reference]  a floor for orientation, not a peer (it checks no claims)
 * @property {(options: { audienceOf: (issuer: object) => string }) => Promise<(token: string) => unknown>} create
 */

/** @returns {Contender[]} */
export function contenders(world) {
  const { issuers } = world;
  const idswitch =
    (tokenCache) =>
    async ({ audienceOf }) => {
      const identity = createIdentity({ providers: world.providers(), tokenCache });
      const audience = Object.fromEntries(issuers.map((issuer) => [issuer.id, audienceOf(issuer)]));
      return (token) => identity.verifyAccessToken(token, { audience });
    };
  const fastJwt =
    (cache) =>
    async ({ audienceOf }) =>
      byIssuer(issuers, (issuer) =>
        createVerifier({
          // The usual fast-jwt + JWKS wiring: a key fetcher by kid that hands back the PEM.
          key: async ({ header }) => issuer.pemByKid.get(header.kid),
          algorithms: ["RS256"],
          allowedIss: issuer.issuer,
          allowedAud: audienceOf(issuer),
          requiredClaims: ["exp"],
          clockTolerance: CLOCK_TOLERANCE_S * 1000,
          cache,
        }),
      );
  const jsonwebtoken =
    (keys) =>
    async ({ audienceOf }) =>
      byIssuer(issuers, (issuer) => {
        const options = {
          algorithms: ["RS256"],
          issuer: issuer.issuer,
          audience: audienceOf(issuer),
          clockTolerance: CLOCK_TOLERANCE_S,
        };
        const keyOf = keys(issuer);
        // The key-by-kid callback form (what jwks-rsa's helpers plug into); it calls back synchronously.
        const getKey = (header, callback) => callback(null, keyOf.get(header.kid));
        return (token) =>
          new Promise((resolve, reject) => {
            jwt.verify(token, getKey, options, (err, payload) => (err ? reject(err) : resolve(payload)));
          });
      });

  return [
    { key: "idswitch", label: "idswitch `verifyAccessToken`, cache off", create: idswitch(false) },
    {
      key: "idswitch-cached",
      label: "idswitch `verifyAccessToken`, cache on",
      create: idswitch({ maxEntries: CACHE_ENTRIES }),
    },
    {
      key: "jose",
      label: "jose `jwtVerify` + `createLocalJWKSet`",
      create: async ({ audienceOf }) =>
        byIssuer(issuers, (issuer) => {
          const keySet = jose.createLocalJWKSet(issuer.jwks);
          const options = {
            issuer: issuer.issuer,
            audience: audienceOf(issuer),
            algorithms: ["RS256"],
            clockTolerance: CLOCK_TOLERANCE_S,
            requiredClaims: ["exp"],
          };
          return (token) => jose.jwtVerify(token, keySet, options);
        }),
    },
    { key: "fast-jwt", label: "fast-jwt `createVerifier`, key fetcher, no cache", create: fastJwt(false) },
    {
      key: "fast-jwt-cached",
      label: "fast-jwt `createVerifier`, key fetcher, cache",
      create: fastJwt(CACHE_ENTRIES),
    },
    {
      key: "jsonwebtoken",
      label: "jsonwebtoken `verify`, PEM by kid",
      create: jsonwebtoken((issuer) => issuer.pemByKid),
    },
    {
      key: "jsonwebtoken-keyobject",
      label: "jsonwebtoken `verify`, KeyObject by kid (pre-imported)",
      create: jsonwebtoken((issuer) => issuer.keyByKid),
    },
    {
      key: "node-crypto",
      label: "floor: `crypto.verify` RS256 signature only, KeyObject by kid",
      reference: true,
      create: async () => {
        const keys = new Map(issuers.flatMap((issuer) => [...issuer.keyByKid]));
        return (token) => {
          const [header, payload, signature] = token.split(".");
          const { kid } = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
          const ok = cryptoVerify(
            "sha256",
            Buffer.from(`${header}.${payload}`),
            keys.get(kid),
            Buffer.from(signature, "base64url"),
          );
          if (!ok) throw new Error("bad signature");
          return ok;
        };
      },
    },
  ];
}

/** A copy of `token` whose signature no longer matches (a middle character changed). */
export function tamper(token) {
  const at = token.lastIndexOf(".") + 40;
  const replacement = token[at] === "A" ? "B" : "A";
  return token.slice(0, at) + replacement + token.slice(at + 1);
}
