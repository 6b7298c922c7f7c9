/**
 * Benchmark 1: verification throughput on a mix of Entra and Keycloak RS256
 * tokens, sequential and at concurrency 16, idswitch (cache off and on)
 * against raw jose, fast-jwt (cached and not) and jsonwebtoken.
 *
 * Method: every contender first proves it is checking what idswitch checks
 * (accepts all 1,000 tokens, refuses a broken signature and a wrong
 * audience), which also warms it up (JIT, key import, caches filled: the
 * cached rows measure the steady state where every token was seen before).
 * Then short rounds interleave the contenders, so a burst of load from the
 * other users of this shared machine hits all of them alike; medians over
 * rounds are reported, and ratios are paired round by round.
 */
import { contenders, tamper } from "./lib/contenders.mjs";
import { median, scaled, throughput } from "./lib/measure.mjs";

export const MODES = [
  { key: "seq", label: "sequential", concurrency: 1 },
  { key: "c16", label: "concurrency 16", concurrency: 16 },
];

const ROUNDS = 6;
const MEASURE_MS = 400;
const WARMUP_MS = 300;

/**
 * @param {Awaited<ReturnType<import("./lib/world.mjs").createWorld>>} world
 * @param {string[]} tokens  the mixed tokens (Entra and Keycloak alternating)
 * @returns {Promise<{ contenders: object[], samples: object }>}  samples[key][mode] = one result per round
 */
export async function benchVerify(world, tokens, log) {
  const list = contenders(world);
  const prepared = [];
  for (const contender of list) {
    const verify = await contender.create({ audienceOf: (issuer) => issuer.audience });
    await proveEquivalent(contender, verify, tokens);
    await throughput(verify, tokens, { durationMs: scaled(WARMUP_MS), concurrency: 16 });
    prepared.push({ contender, verify });
  }
  log(
    `  ${list.length} verifiers accept all ${tokens.length} tokens, refuse tampered and foreign-audience ones`,
  );

  const samples = Object.fromEntries(
    list.map((c) => [c.key, Object.fromEntries(MODES.map((m) => [m.key, []]))]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    // Short slices, order rotated every round: slow drifts of the machine's load hit every contender alike.
    const order = prepared.map((_, i) => prepared[(i + round) % prepared.length]);
    for (const mode of MODES) {
      for (const { contender, verify } of order) {
        const result = await throughput(verify, tokens, {
          durationMs: scaled(MEASURE_MS),
          concurrency: mode.concurrency,
        });
        samples[contender.key][mode.key].push(result);
      }
    }
  }
  log(`  ${ROUNDS} rounds × ${MODES.length} modes × ${list.length} verifiers measured`);
  return {
    contenders: list.map(({ key, label, reference }) => ({ key, label, reference: reference === true })),
    samples,
  };
}

/** The median over rounds of ops/s and of CPU µs per operation. */
export function summary(samples, key, mode) {
  const rounds = samples[key][mode];
  return {
    opsPerSec: median(rounds.map((r) => r.opsPerSec)),
    cpuMicrosPerOp: median(rounds.map((r) => r.cpuMicrosPerOp)),
    min: Math.min(...rounds.map((r) => r.opsPerSec)),
    max: Math.max(...rounds.map((r) => r.opsPerSec)),
  };
}

/**
 * a's rate over b's, paired round by round (both measured seconds apart
 * under the same background load), then the median of those ratios.
 */
export function pairedRatio(samples, a, b, mode) {
  const ra = samples[a][mode];
  const rb = samples[b][mode];
  return median(ra.map((r, i) => r.opsPerSec / rb[i].opsPerSec));
}

/**
 * Fails the run unless `verify` accepts every token and refuses a tampered
 * signature and a wrong audience: a faster verifier that checks less would
 * make the ratios lie.
 */
async function proveEquivalent(contender, verify, tokens) {
  for (const token of tokens) await verify(token);
  await refuses(contender, verify, tamper(tokens[0]), "a tampered Entra signature");
  await refuses(contender, verify, tamper(tokens[1]), "a tampered Keycloak signature");
  if (contender.reference) return; // the signature-only floor checks no claims, by design
  const wrong = await contender.create({ audienceOf: () => "not-this-api" });
  await refuses(contender, wrong, tokens[0], "an Entra token for another audience");
  await refuses(contender, wrong, tokens[1], "a Keycloak token for another audience");
}

async function refuses(contender, verify, token, what) {
  let accepted = false;
  try {
    await verify(token);
    accepted = true;
  } catch {
    // expected
  }
  if (accepted) throw new Error(`${contender.key} accepted ${what}: it is not checking what idswitch checks`);
}
