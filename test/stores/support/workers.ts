/**
 * Runs test/stores/support/store-worker.ts in child processes: bundled once
 * with esbuild into node_modules/.cache (so the drivers resolve from the
 * project), then forked — each child a separate app instance.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { WorkerConfig, WorkerReport } from "./store-worker.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const bundles = new Map<string, Promise<string>>();

/**
 * Bundles a worker entry (test/stores/support/<name>.ts) once per run into
 * node_modules/.cache, so a forked child runs it as an app would: "idswitch"
 * is the source, drivers and libraries load from node_modules.
 */
export function bundleWorker(name: string): Promise<string> {
  let bundled = bundles.get(name);
  if (!bundled) {
    const outfile = `${root}node_modules/.cache/idswitch-test/${name}.mjs`;
    bundled = build({
      entryPoints: [`${root}test/stores/support/${name}.ts`],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "silent",
      alias: { idswitch: `${root}src/index.ts` },
      external: ["better-sqlite3", "pg", "redis", "zod", "jose", "openid-client", "@opentelemetry/api"],
    }).then(() => outfile);
    bundles.set(name, bundled);
  }
  return bundled;
}

export class Worker {
  readonly reports: WorkerReport[] = [];
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;
  #stderr = "";

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on("message", (report) => this.reports.push(report as WorkerReport));
    child.stderr?.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-2000);
    });
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  }

  static async start(config: WorkerConfig): Promise<Worker> {
    const child = fork(await bundleWorker("store-worker"), [JSON.stringify(config)], {
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    return new Worker(child);
  }

  /** Resolves with the first report of `kind`; rejects if the worker failed or exited first. */
  async next<K extends WorkerReport["kind"]>(
    kind: K,
    timeoutMs = 20_000,
  ): Promise<Extract<WorkerReport, { kind: K }>> {
    const started = Date.now();
    for (;;) {
      const failed = this.reports.find((r) => r.kind === "failed");
      if (failed) throw new Error(`worker failed: ${failed.message}`);
      const found = this.reports.find((r) => r.kind === kind);
      if (found) return found as Extract<WorkerReport, { kind: K }>;
      if (this.#child.exitCode !== null || Date.now() - started > timeoutMs) {
        throw new Error(`worker gave no ${kind} report (exit ${this.#child.exitCode}): ${this.#stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  go(): void {
    this.#child.send("go");
  }

  acks(): Extract<WorkerReport, { kind: "ack" }>[] {
    return this.reports.filter((r): r is Extract<WorkerReport, { kind: "ack" }> => r.kind === "ack");
  }

  /** kill -9: no cleanup, no flush, mid-transaction if it was in one. */
  async kill(): Promise<void> {
    this.#child.kill("SIGKILL");
    await this.exited;
  }
}

/** Starts two workers, waits until both are ready, and starts them together. */
export async function raceTwo(config: Omit<WorkerConfig, "id">): Promise<Worker[]> {
  const workers = await Promise.all(["a", "b"].map((id) => Worker.start({ ...config, id })));
  await Promise.all(workers.map((w) => w.next("ready")));
  for (const worker of workers) worker.go();
  return workers;
}
