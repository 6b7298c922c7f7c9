/**
 * Where idswitch's time goes on top of jose: the synchronous steps its
 * `verifyAccessToken` adds, each timed alone in a tight loop over the same
 * 1,000 tokens (no awaits, so no scheduling noise in the numbers), with a
 * cheaper alternative next to the ones worth changing. It explains the
 * ratios of benchmark 1 and grounds the recommendations in RESULTS.md.
 *
 * The steps mirror src/ (dist does not export them): `peekJwt` is jose's
 * `decodeProtectedHeader` + `decodeJwt`; the cache key is
 * `JSON.stringify([provider, audience, scopes]) + token`.
 */
import * as jose from "jose";
import { createIdentity } from "../dist/index.js";
import { scaled } from "./lib/measure.mjs";

const SLICE_MS = 250;

/** Nanoseconds per call of a synchronous `fn` over `inputs`, best of 3 slices (least disturbed). */
function nsPerOp(fn, inputs) {
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let slice = 0; slice < 3; slice++) {
    const deadline = process.hrtime.bigint() + BigInt(scaled(SLICE_MS) * 1e6);
    const start = process.hrtime.bigint();
    let ops = 0;
    while (process.hrtime.bigint() < deadline) {
      for (let i = 0; i < inputs.length; i++) sink += fn(inputs[i]) ? 1 : 0;
      ops += inputs.length;
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / ops);
  }
  if (sink < 0) throw new Error("unreachable");
  return best;
}

/** The payload alone, decoded with Buffer (Node) instead of jose's atob-based decoder. */
function bufferDecode(token) {
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  return JSON.parse(Buffer.from(token.slice(first + 1, second), "base64url").toString("utf8"));
}

/**
 * @param {Awaited<ReturnType<import("./lib/world.mjs").createWorld>>} world
 * @param {string[]} tokens  the mixed tokens
 */
export async function benchOverhead(world, tokens, log) {
  const identity = createIdentity({ providers: world.providers() });
  const providers = identity.providers;
  const payloads = tokens.map((token) => jose.decodeJwt(token));
  const byToken = new Map(tokens.map((token, i) => [token, payloads[i]]));
  const audienceOf = (payload) => (payload.iss === world.issuers[0].issuer ? world.audience.entra : "api");
  const cacheKey = (token) => {
    const payload = byToken.get(token);
    const provider = payload.iss === world.issuers[0].issuer ? "entra" : "eu";
    return JSON.stringify([provider, audienceOf(payload), []]) + token;
  };
  const concatenated = new Map(tokens.map((token) => [cacheKey(token), token]));
  const plain = new Map(tokens.map((token) => [token, token]));

  const rows = [
    {
      key: "peek",
      label:
        "jose `decodeProtectedHeader` + `decodeJwt` (how idswitch used to peek, twice per verification; no longer used)",
      ns: nsPerOp((t) => jose.decodeProtectedHeader(t) && jose.decodeJwt(t), tokens),
    },
    {
      key: "peek-buffer",
      label:
        "`Buffer.from(…, 'base64url')` + `JSON.parse` of the payload (how `peekJwt` decodes now, once per uncached verification)",
      ns: nsPerOp(bufferDecode, tokens),
    },
    {
      key: "issuer-of",
      label: "`identity.providers.find(p => p.isIssuerOf(claims))` (Entra's GUID regex)",
      ns: nsPerOp((t) => providers.find((p) => p.isIssuerOf(byToken.get(t))), tokens),
    },
    {
      key: "normalize",
      label: "`normalizeClaims` → Principal (Entra / Keycloak rules)",
      ns: nsPerOp((t) => {
        const payload = byToken.get(t);
        return (payload.iss === world.issuers[0].issuer ? providers[0] : providers[1]).normalizeClaims(
          payload,
        );
      }, tokens),
    },
    {
      key: "cache-key",
      label:
        "old cache lookup: `JSON.stringify([provider, audience, scopes]) + token`, then `Map.get` (no longer used)",
      ns: nsPerOp((t) => concatenated.get(cacheKey(t)), tokens),
    },
    {
      key: "cache-plain",
      label:
        "cache lookup now: `Map.get(token)`, before any decoding (an HTTP header is a new string: +1 hash)",
      ns: nsPerOp((t) => plain.get(t), tokens),
    },
  ];
  await identity.close();
  log(`  ${rows.length} steps timed`);
  return rows;
}
