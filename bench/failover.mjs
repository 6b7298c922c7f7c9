/**
 * Benchmark 3: failover latency of client credentials. `createIdentity`
 * with order [entra, eu], a 1 s network budget and a breaker; both providers
 * warmed (discovery done, one token each); then the Entra emulator's token
 * endpoint fails — `refused` (the connection is reset unanswered) or `hang`
 * (accepted, never answered) — and the application keeps asking for tokens.
 *
 * Per call we record the latency, whether it failed, and which issuer the
 * token came from. What matters: the first call after the outage costs at
 * most one timeout budget, no call fails, and once the breaker is open no
 * call waits for the primary any more.
 */
import { createIdentity } from "../dist/index.js";
import { issuerOf } from "./lib/contenders.mjs";
import { msSince, quantile, SCALE } from "./lib/measure.mjs";

export const TIMEOUT_MS = 1_000;

/** Long enough that no half-open probe happens within a scenario, except where one is the point. */
const OPEN_MS = 60_000;

export const SCENARIOS = [
  { key: "refused-1", mode: "refused", consecutiveFailures: 1, concurrency: 1, calls: 40 },
  { key: "hang-1", mode: "hang", consecutiveFailures: 1, concurrency: 1, calls: 40 },
  { key: "hang-3", mode: "hang", consecutiveFailures: 3, concurrency: 1, calls: 40 },
  { key: "hang-1-c16", mode: "hang", consecutiveFailures: 1, concurrency: 16, calls: 160 },
  // The breaker reopens to probe after openMs: does a probe that succeeds let traffic back onto a dead token endpoint?
  { key: "hang-1-probe", mode: "hang", consecutiveFailures: 1, concurrency: 1, openMs: 1_000, forMs: 4_500 },
];

/**
 * @param {Awaited<ReturnType<import("./lib/world.mjs").createWorld>>} world
 */
export async function benchFailover(world, log) {
  const results = [];
  for (const scenario of SCENARIOS) {
    results.push({ ...scenario, ...(await run(world, scenario)) });
    log(`  ${scenario.key} done`);
  }
  return results;
}

async function run(world, scenario) {
  const identity = createIdentity({
    providers: world.providers({ timeoutMs: TIMEOUT_MS }),
    routing: {
      order: ["entra", "eu"],
      breaker: { consecutiveFailures: scenario.consecutiveFailures, openMs: scenario.openMs ?? OPEN_MS },
    },
  });
  const scope = { entra: world.entraScope };
  const [entra, eu] = identity.providers;
  // Warm: discovery and one token at each, so the outage is the only cold thing.
  await entra.clientCredentials({ scope: world.entraScope });
  await eu.clientCredentials({});
  let failovers = 0;
  identity.on("failover", () => {
    failovers += 1;
  });

  const entraIssuer = world.issuers[0].issuer;
  const calls = [];
  world.entra.fault({ endpoint: "token", mode: scenario.mode });
  const outage = process.hrtime.bigint();
  const deadline = scenario.forMs ? outage + BigInt(Math.round(scenario.forMs * SCALE * 1e6)) : undefined;
  let issued = 0;
  const more = () =>
    deadline ? process.hrtime.bigint() < deadline : issued < Math.max(4, Math.round(scenario.calls * SCALE));
  const loop = async () => {
    while (more()) {
      issued += 1;
      const started = process.hrtime.bigint();
      try {
        const tokens = await identity.clientCredentials({ scope });
        calls.push({
          ms: msSince(started),
          ok: true,
          primary: issuerOf(tokens.accessToken) === entraIssuer,
          doneAt: msSince(outage),
        });
      } catch {
        calls.push({ ms: msSince(started), ok: false, primary: false, doneAt: msSince(outage) });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: scenario.concurrency }, loop));
  } finally {
    world.entra.clearFaults();
    await identity.close();
  }
  const latencies = calls.map((c) => c.ms);
  const firstOk = calls.filter((c) => c.ok).sort((a, b) => a.doneAt - b.doneAt)[0];
  return {
    calls: calls.length,
    failed: calls.filter((c) => !c.ok).length,
    fromPrimary: calls.filter((c) => c.primary).length,
    /** Calls that waited for the primary's budget (or most of it) before being answered by the spare. */
    paidTimeout: calls.filter((c) => c.ms >= TIMEOUT_MS * 0.9).length,
    failovers,
    firstOkMs: firstOk?.doneAt ?? Number.NaN,
    first: calls[0]?.ms ?? Number.NaN,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: Math.max(...latencies),
    /** Latency once the breaker decided: every call after the first failover wave. */
    afterP50: quantile(latencies.slice(scenario.concurrency * scenario.consecutiveFailures), 0.5),
  };
}
