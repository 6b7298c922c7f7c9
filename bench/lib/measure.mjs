/**
 * Timing helpers shared by the benchmarks. Everything is timed with
 * `process.hrtime.bigint()` (monotonic, nanoseconds): `Date.now()` has a
 * millisecond grain and can jump with NTP.
 */

/** Nanoseconds → milliseconds, as a plain number. */
export const nsToMs = (ns) => Number(ns) / 1e6;

/** Milliseconds since `start` (a `process.hrtime.bigint()` value). */
export const msSince = (start) => nsToMs(process.hrtime.bigint() - start);

/**
 * How long every measurement runs, scaled by `BENCH_SCALE` (default 1):
 * `BENCH_SCALE=0.2 npm run bench` is a smoke run that checks the wiring in
 * seconds; its numbers mean nothing.
 */
export const SCALE = (() => {
  const value = Number(process.env.BENCH_SCALE ?? "1");
  return Number.isFinite(value) && value > 0 ? value : 1;
})();

/** A duration in ms, scaled, never below 50 ms so a smoke run still does some work. */
export const scaled = (ms) => Math.max(50, Math.round(ms * SCALE));

/**
 * Runs `fn` over `inputs` (round-robin) for `durationMs` with `concurrency`
 * loops in flight, and returns operations per second.
 *
 * Every call is awaited, sync or not, so sync and async libraries pay the
 * same one microtask per call. A failing call aborts the measurement: a
 * contender that rejects a valid token is not faster, it is broken.
 *
 * @param {(input: string) => unknown} fn
 * @param {readonly string[]} inputs
 * @param {{ durationMs: number, concurrency: number }} options
 * Also returns the process CPU time (user + system, every thread: jose's
 * WebCrypto verification runs on the libuv pool) per operation. On a
 * machine shared with other work, wall-clock rates swing with the load;
 * CPU time per operation barely does, so it cross-checks the ratios.
 *
 * @returns {Promise<{ ops: number, seconds: number, opsPerSec: number, cpuMicrosPerOp: number }>}
 */
export async function throughput(fn, inputs, { durationMs, concurrency }) {
  const count = inputs.length;
  let next = 0;
  let ops = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(durationMs * 1e6));
  const loop = async () => {
    while (process.hrtime.bigint() < deadline) {
      const input = inputs[next];
      next = next + 1 === count ? 0 : next + 1;
      await fn(input);
      ops += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { ops, seconds, opsPerSec: ops / seconds, cpuMicrosPerOp: (cpu.user + cpu.system) / ops };
}

/** The q-quantile (0..1) of numbers, nearest-rank. */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => quantile(values, 0.5);

/** Runs `fn(item)` for every item with at most `limit` in flight; results keep the input order. */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Formats a number with a thin grouping: 12 345. */
export function fmt(value, digits = 0) {
  if (!Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A ratio as "0.97×". */
export const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}×` : "n/a");
