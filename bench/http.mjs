/**
 * Benchmark 2: an HTTP API on node:http verifying bearer tokens from both
 * issuers, under autocannon on loopback (10 connections): idswitch (cache
 * on and off) against jsonwebtoken + jwks-rsa and against no
 * authentication. Each request carries the next of the 1,000 mixed tokens.
 *
 * Every variant runs in its own child process (bench/http-server.mjs) and is
 * warmed up first; then rounds alternate the variants, so the shared
 * machine's load swings hit all of them, and ratios are paired per round.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { median, scaled } from "./lib/measure.mjs";

export const VARIANTS = [
  { key: "none", label: "no authentication (baseline)" },
  { key: "idswitch-cached", label: "idswitch, cache on" },
  { key: "idswitch", label: "idswitch, cache off" },
  { key: "peer", label: "jsonwebtoken + jwks-rsa" },
];

const CONNECTIONS = 10;
const ROUNDS = 4;
const RUN_MS = 2_500;
const WARMUP_MS = 1_000;
const SERVER = fileURLToPath(new URL("./http-server.mjs", import.meta.url));

/**
 * @param {Awaited<ReturnType<import("./lib/world.mjs").createWorld>>} world
 * @param {string[]} tokens  the mixed tokens (Entra and Keycloak alternating)
 */
export async function benchHttp(world, tokens, log) {
  const servers = [];
  try {
    for (const variant of VARIANTS) servers.push({ variant, ...(await start(variant.key, world, tokens)) });
    for (const { port } of servers) await load(port, tokens, scaled(WARMUP_MS));
    log(`  ${servers.length} servers up and warmed`);
    /** samples[key] = one autocannon result per round */
    const samples = Object.fromEntries(VARIANTS.map((v) => [v.key, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const { variant, port, child } of order) {
        const before = await cpuOf(child);
        const result = await load(port, tokens, scaled(RUN_MS));
        const after = await cpuOf(child);
        if (result.errors > 0 || result.non2xx > 0) {
          throw new Error(`${variant.key}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
        }
        const cpuMicros = after.user - before.user + (after.system - before.system);
        samples[variant.key].push({
          ...result,
          serverCpuMicrosPerRequest: cpuMicros / result.requests.total,
        });
      }
    }
    log(`  ${ROUNDS} rounds × ${VARIANTS.length} variants measured`);
    return samples;
  } finally {
    for (const { child } of servers) child.kill();
  }
}

/** Median requests/s and latency of a variant over rounds. */
export function httpSummary(samples, key) {
  const rounds = samples[key];
  return {
    rps: median(rounds.map((r) => r.requests.average)),
    mean: median(rounds.map((r) => r.latency.average)),
    cpu: median(rounds.map((r) => r.serverCpuMicrosPerRequest)),
    p99: median(rounds.map((r) => r.latency.p99)),
    requests: rounds.reduce((sum, r) => sum + r.requests.total, 0),
  };
}

/** a's rate over b's, paired per round, median. */
export function httpRatio(samples, a, b) {
  return median(samples[a].map((r, i) => r.requests.average / samples[b][i].requests.average));
}

/** The child's `process.cpuUsage()`, asked over IPC. */
function cpuOf(child) {
  return new Promise((resolve) => {
    const onMessage = (message) => {
      if (message?.cpu) {
        child.off("message", onMessage);
        resolve(message.cpu);
      }
    };
    child.on("message", onMessage);
    child.send("cpu");
  });
}

function start(variant, world, tokens) {
  return new Promise((resolve, reject) => {
    const child = fork(SERVER, [variant], {
      env: {
        ...process.env,
        BENCH_WORLD: JSON.stringify(world.describe()),
        BENCH_WARMUP: JSON.stringify(tokens.slice(0, 2)),
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", ({ port }) => resolve({ child, port }));
    child.once("exit", (code) => reject(new Error(`server ${variant} exited with ${code}`)));
  });
}

function load(port, tokens, durationMs) {
  let next = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: CONNECTIONS,
    duration: durationMs / 1000,
    requests: [
      {
        method: "GET",
        setupRequest: (request) => {
          const token = tokens[next];
          next = (next + 1) % tokens.length;
          return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
        },
      },
    ],
  });
}
