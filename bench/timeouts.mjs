/**
 * Benchmark 6: timeouts that fit identity traffic (issue 16). Where the defaults of
 * `runtime.connectTimeoutMs` (nodeFetch) and `runtime.timeoutMs` come from, measured on this machine, each
 * figure next to its peer from the same run:
 *
 * - a refused connection (a closed loopback port): how long global fetch and nodeFetch take to know;
 * - a hung connect (a loopback listener that never accepts, its accept queue filled first so the kernel drops
 *   further SYNs — checked before measuring): nodeFetch at its connect budget against global fetch, which
 *   can only be ended by the overall budget (or, without one, by undici's own 10 s connect timeout);
 * - a hung response (accepted, never answered): only the response budget ends it, whatever the fetch;
 * - healthy answers (a small JSON document, as discovery and JWKS are) from a local server in a child
 *   process: latency p50 / p99 through nodeFetch and global fetch, sequential and at concurrency 16, the two
 *   interleaved round by round.
 *
 *   npm run build && node bench/timeouts.mjs            # prints the section
 *   npm run build && node bench/timeouts.mjs --write    # and writes it into bench/RESULTS.md (section 6)
 *
 * `BENCH_SCALE=0.2` is a smoke run (fewer repetitions; the figures mean little).
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import { Worker } from "node:worker_threads";
import { DEFAULT_CONNECT_TIMEOUT_MS, nodeFetch } from "../dist/node/index.js";
import { fmt, msSince, quantile, SCALE } from "./lib/measure.mjs";

/** The response budget default this run argues for (src/core/runtime.ts DEFAULT_TIMEOUT_MS). */
const TIMEOUT_MS = 5_000;
/** undici's own connect timeout: what ends a hung connect for a global fetch given no signal. */
const UNDICI_CONNECT_MS = 10_000;
const reps = (n) => Math.max(1, Math.round(n * Math.min(1, SCALE)));

// ── Servers ─────────────────────────────────────────────────────────────────

async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A listener that never accepts (its worker's loop is blocked), accept queue filled, hang verified. */
async function hungConnect() {
  const flag = new SharedArrayBuffer(4);
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     const server = require("node:net").createServer();
     server.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(new Int32Array(workerData.flag), 0, 0);
       server.close();
     });`,
    { eval: true, workerData: { flag } },
  );
  const port = await new Promise((resolve) => worker.once("message", resolve));
  const sockets = [];
  const attempt = (ms) =>
    new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      sockets.push(socket);
      socket.on("error", () => {});
      const timer = setTimeout(() => resolve(false), ms);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  let filled = 0;
  while (await attempt(300)) if (++filled > 16) throw new Error("accept queue never filled");
  // The proof: one more connect still unanswered after 3 s (Linux resends the SYN at 1 s and 3 s).
  if (await attempt(3_000)) throw new Error("a connect past the filled queue was answered: not a hang");
  return {
    port,
    filled,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      const state = new Int32Array(flag);
      Atomics.store(state, 0, 1);
      Atomics.notify(state, 0);
      await worker.terminate();
    },
  };
}

/** Accepts and reads, never answers. */
async function hungResponse() {
  const held = new Set();
  const server = net.createServer((socket) => {
    held.add(socket);
    socket.on("data", () => {});
    socket.on("error", () => {});
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    close: () => {
      for (const socket of held) socket.destroy();
      server.close();
    },
  };
}

/** node:http in a child process answering a 1.2 KB JSON document (the size of a small JWKS). */
async function healthyServer() {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const body = JSON.stringify({ keys: [{ kty: "RSA", kid: "k1", n: "x".repeat(1100), e: "AQAB" }] });
       const server = require("node:http").createServer((req, res) => {
         req.resume();
         req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(body));
       });
       server.keepAliveTimeout = 60_000;
       server.listen(0, "127.0.0.1", () => console.log(server.address().port));`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise((resolve) => child.stdout.once("data", (d) => resolve(Number(String(d)))));
  return { port, close: () => child.kill() };
}

// ── Measurements ────────────────────────────────────────────────────────────

/** Milliseconds until `call()` settles, and how it ended. */
async function timeToFail(call) {
  const start = process.hrtime.bigint();
  try {
    await call();
    return { ms: msSince(start), how: "answered" };
  } catch (err) {
    const how =
      err?.code === "IDSWITCH_CONNECT_TIMEOUT"
        ? "ConnectTimeoutError"
        : err?.name === "TimeoutError"
          ? "TimeoutError (signal)"
          : (err?.cause?.code ?? err?.code ?? err?.name ?? "error");
    return { ms: msSince(start), how };
  }
}

async function failures(label, n, call) {
  const runs = [];
  for (let i = 0; i < n; i++) runs.push(await timeToFail(call));
  const ms = runs.map((r) => r.ms);
  const hows = [...new Set(runs.map((r) => r.how))].join(", ");
  return { label, n, p50: quantile(ms, 0.5), max: Math.max(...ms), how: hows };
}

async function latency(fetchOf, url, { requests, concurrency }) {
  const samples = [];
  let next = 0;
  const loop = async () => {
    while (next < requests) {
      next++;
      const start = process.hrtime.bigint();
      const response = await fetchOf(url);
      await response.arrayBuffer();
      samples.push(msSince(start));
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { samples, seconds: msSince(start) / 1000 };
}

/** Both fetches, interleaved in rounds (order alternating), samples pooled per fetch. */
async function healthyRows(url, concurrency) {
  const node = nodeFetch();
  const contenders = { "global fetch (undici)": (u) => fetch(u), nodeFetch: (u) => node(u) };
  // Warm both pools: kept-alive connections, as a provider's steady state.
  for (const f of Object.values(contenders)) await latency(f, url, { requests: 200, concurrency });
  const pooled = Object.fromEntries(
    Object.keys(contenders).map((k) => [k, { samples: [], seconds: 0, n: 0 }]),
  );
  const rounds = reps(10);
  for (let round = 0; round < rounds; round++) {
    const order = Object.entries(contenders);
    if (round % 2) order.reverse();
    for (const [name, f] of order) {
      const { samples, seconds } = await latency(f, url, { requests: 500, concurrency });
      pooled[name].samples.push(...samples);
      pooled[name].seconds += seconds;
      pooled[name].n += samples.length;
    }
  }
  return Object.entries(pooled).map(([name, { samples, seconds, n }]) => ({
    name,
    concurrency,
    n,
    p50: quantile(samples, 0.5),
    p99: quantile(samples, 0.99),
    perSecond: n / seconds,
  }));
}

// ── Run ─────────────────────────────────────────────────────────────────────

const log = (line) => process.stderr.write(`${line}\n`);
const began = process.hrtime.bigint();
const load = os.loadavg()[0];

log("refused connections…");
const refusedPort = await closedPort();
const refusedUrl = `http://127.0.0.1:${refusedPort}/`;
const node = nodeFetch();
const refused = [
  await failures("global fetch", reps(50), () =>
    fetch(refusedUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) }),
  ),
  await failures("nodeFetch", reps(50), () => node(refusedUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) })),
];

log("hung connect (verifying the hang first)…");
const hung = await hungConnect();
const hungUrl = `http://127.0.0.1:${hung.port}/`;
const hungRows = [
  await failures(`nodeFetch, connect budget ${fmt(DEFAULT_CONNECT_TIMEOUT_MS)} ms (default)`, reps(3), () =>
    node(hungUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) }),
  ),
  await failures("nodeFetch, connect budget 1,000 ms", reps(3), () =>
    nodeFetch({ connectTimeoutMs: 1_000 })(hungUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) }),
  ),
  await failures(`global fetch, overall budget ${fmt(TIMEOUT_MS)} ms only`, reps(2), () =>
    fetch(hungUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) }),
  ),
  await failures("global fetch, no signal (undici's own connect timeout)", 1, () => fetch(hungUrl)),
];
await hung.close();

log("hung response…");
const silent = await hungResponse();
const silentUrl = `http://127.0.0.1:${silent.port}/`;
const silentRows = [
  await failures(`global fetch, overall budget 1,000 ms`, reps(3), () =>
    fetch(silentUrl, { signal: AbortSignal.timeout(1_000) }),
  ),
  await failures(
    `nodeFetch (connect budget ${fmt(DEFAULT_CONNECT_TIMEOUT_MS)} ms), overall budget 1,000 ms`,
    reps(3),
    () => node(silentUrl, { signal: AbortSignal.timeout(1_000) }),
  ),
];
silent.close();

log("healthy answers…");
const healthy = await healthyServer();
const healthyUrl = `http://127.0.0.1:${healthy.port}/jwks`;
const healthyResults = [...(await healthyRows(healthyUrl, 1)), ...(await healthyRows(healthyUrl, 16))];
healthy.close();

// ── Report ──────────────────────────────────────────────────────────────────

const lines = [];
const out = (line = "") => lines.push(line);
out("## 6. Timeouts (issue 16): connect and response budgets");
out();
out(
  `Written by \`node bench/timeouts.mjs --write\` (not part of \`npm run bench\`) on ${new Date().toISOString()}: ` +
    `Node ${process.version}, ${os.availableParallelism()} cores, load ${load.toFixed(2)} before, ` +
    `${os.loadavg()[0].toFixed(2)} after, ${Math.round(msSince(began) / 1000)} s` +
    `${SCALE === 1 ? "" : ` (BENCH_SCALE=${SCALE}: a smoke run)`}. Loopback only: on a real network add the round trips; ` +
    "the shape (who waits for which budget) does not change.",
);
out();
out("### 6a. How long a caller waits to learn a provider is not there");
out();
out("| target | fetch | runs | p50 (ms) | max (ms) | ended by |");
out("| --- | --- | ---: | ---: | ---: | --- |");
for (const r of refused)
  out(`| refused (closed port) | ${r.label} | ${r.n} | ${fmt(r.p50, 2)} | ${fmt(r.max, 2)} | ${r.how} |`);
for (const r of hungRows)
  out(`| hung connect (SYN dropped) | ${r.label} | ${r.n} | ${fmt(r.p50)} | ${fmt(r.max)} | ${r.how} |`);
for (const r of silentRows)
  out(
    `| hung response (accepted, silent) | ${r.label} | ${r.n} | ${fmt(r.p50)} | ${fmt(r.max)} | ${r.how} |`,
  );
out();
const refusedMax = Math.max(...refused.map((r) => r.max));
const nodeHung = hungRows[0];
const webHung = hungRows[2];
out(
  `A refused connection is known in at most ${fmt(refusedMax, 2)} ms by either fetch: no budget is involved. ` +
    `A hung connect (${hung.filled} connections filled the accept queue, then a further connect stayed unanswered for 3 s before measuring) ` +
    `holds a global-fetch caller for the whole overall budget (${fmt(webHung.p50)} ms), or for undici's own ` +
    `${fmt(UNDICI_CONNECT_MS)} ms without one; nodeFetch frees it at its connect budget (${fmt(nodeHung.p50)} ms, ` +
    `${(webHung.p50 / nodeHung.p50).toFixed(2)}× sooner at the same ${fmt(TIMEOUT_MS)} ms overall budget). ` +
    "A hung response passes the connect phase, so only the overall budget ends it, whatever the fetch.",
);
out();
out(
  "### 6b. Healthy answers: what nodeFetch costs (1.2 KB JSON from node:http in a child process, kept-alive)",
);
out();
out("| fetch | concurrency | requests | p50 (ms) | p99 (ms) | requests/s | p50 vs global fetch |");
out("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of healthyResults) {
  const peer = healthyResults.find((p) => p.concurrency === r.concurrency && p.name.startsWith("global"));
  out(
    `| ${r.name} | ${r.concurrency} | ${fmt(r.n)} | ${fmt(r.p50, 3)} | ${fmt(r.p99, 3)} | ${fmt(r.perSecond)} | ${(r.p50 / peer.p50).toFixed(2)}× |`,
  );
}
out();
out(
  "Interleaved in rounds of 500 requests, order alternating; each fetch warmed first (its own pool of " +
    "kept-alive connections). A ratio below 1 means nodeFetch answered sooner.",
);
out();
out("### 6c. The defaults chosen");
out();
out(
  `- \`runtime.connectTimeoutMs\` (nodeFetch): **${fmt(DEFAULT_CONNECT_TIMEOUT_MS)} ms**. A healthy connect is one ` +
    "to three round trips (DNS, TCP, TLS 1.3: well under a second even across an ocean); a refused one is known " +
    "at once (above), so the budget only ever ends a connect nobody answers. Not 1 s: Linux resends a lost SYN " +
    "after 1 s, so 1 s would fail a healthy path on its first dropped packet.",
);
out(
  `- \`runtime.timeoutMs\`: **${fmt(TIMEOUT_MS)} ms** (was 10,000). It ends hung responses (and, with a web fetch, ` +
    "hung connects, which it cannot tell apart); identity calls answer in tens to hundreds of milliseconds, a slow " +
    "token endpoint in a second or two, and past 5 s failing over to the spare serves the person better.",
);
const section = `${lines.join("\n")}\n`;
process.stdout.write(section);

if (process.argv.includes("--write")) {
  const path = new URL("./RESULTS.md", import.meta.url);
  const current = readFileSync(path, "utf8");
  const heading = "## 6. Timeouts";
  const at = current.indexOf(heading);
  let next = current.length;
  if (at >= 0) {
    const after = current.indexOf("\n## ", at + heading.length);
    if (after >= 0) next = after + 1;
  }
  const updated =
    at >= 0
      ? `${current.slice(0, at)}${section}${current.slice(next)}`
      : `${current.trimEnd()}\n\n${section}`;
  writeFileSync(path, updated);
  // The repo's biome formats Markdown too (as bench/run.mjs does): keep `npm run lint` clean.
  const biome = createRequire(import.meta.url).resolve("@biomejs/biome/bin/biome");
  execFileSync(process.execPath, [biome, "format", "--write", path.pathname], { stdio: "ignore" });
  log("bench/RESULTS.md: section 6 written");
}
