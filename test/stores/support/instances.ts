/**
 * Runs test/stores/support/instance-worker.ts as a second application
 * instance in its own process (bundled like the store workers), and talks
 * to it over IPC.
 */
import { type ChildProcess, fork } from "node:child_process";
import type { InstanceConfig } from "./instance-options.js";
import type { InstanceCommand, InstanceReport } from "./instance-worker.js";
import { bundleWorker } from "./workers.js";

export class Instance {
  readonly reports: InstanceReport[] = [];
  readonly #child: ChildProcess;
  #stderr = "";

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on("message", (report) => this.reports.push(report as InstanceReport));
    child.stderr?.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-2000);
    });
  }

  static async start(config: InstanceConfig): Promise<Instance> {
    const child = fork(await bundleWorker("instance-worker"), [JSON.stringify(config)], {
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    const instance = new Instance(child);
    await instance.next("ready");
    return instance;
  }

  send(command: InstanceCommand): void {
    this.#child.send(command);
  }

  /** The first report of `kind` not taken before; rejects if the instance failed or went silent. */
  async next<K extends InstanceReport["kind"]>(
    kind: K,
    timeoutMs = 20_000,
  ): Promise<Extract<InstanceReport, { kind: K }>> {
    const started = Date.now();
    for (;;) {
      const failed = this.reports.find((r) => r.kind === "failed");
      if (failed) throw new Error(`instance failed: ${failed.message}`);
      const index = this.reports.findIndex((r) => r.kind === kind);
      if (index >= 0) return this.reports.splice(index, 1)[0] as Extract<InstanceReport, { kind: K }>;
      if (this.#child.exitCode !== null || Date.now() - started > timeoutMs) {
        throw new Error(`instance gave no ${kind} report (exit ${this.#child.exitCode}): ${this.#stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once("exit", resolve));
    this.send({ do: "exit" });
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
    if (this.#child.exitCode === null) this.#child.kill("SIGKILL");
  }
}
