/**
 * The mirror's checkpoint file (`idswitch mirror apply --state`) raced by two
 * real processes, as two runs started together would: in one process the
 * event loop serialises everything, so only processes show these.
 *
 * - A run starting as another finishes must read the state only once it
 *   holds the lock: otherwise it writes a snapshot older than the one the
 *   finished run left (a lost increment here).
 * - A stale lock (its process dead) taken over by two runs at one instant:
 *   exactly one of them holds it.
 */
import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileStateStore } from "../../src/cli/file-state.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
let worker: string;
let folder: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "idswitch-checkpoint-race-"));
  worker = `${root}node_modules/.cache/idswitch-test/file-state-worker.mjs`;
  await build({
    entryPoints: [`${root}test/cli/support/file-state-worker.ts`],
    outfile: worker,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
    alias: { idswitch: `${root}src/index.ts` },
    external: ["zod", "jose", "openid-client", "@opentelemetry/api"],
  });
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await rm(folder, { recursive: true, force: true });
});

interface Report {
  readonly kind: string;
  readonly round?: number;
  readonly held?: boolean;
  readonly from?: number;
  readonly to?: number;
  readonly message?: string;
  readonly done?: number;
}

function start(config: Record<string, unknown>): { child: ChildProcess; next: () => Promise<Report> } {
  const child = fork(worker, [JSON.stringify(config)], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const queue: Report[] = [];
  const waiting: Array<(report: Report) => void> = [];
  child.on("message", (report: Report) => {
    const resolve = waiting.shift();
    if (resolve) resolve(report);
    else queue.push(report);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`worker exited ${code}: ${stderr}`))),
  );
  exited.catch(() => {});
  const next = () => {
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    return Promise.race([new Promise<Report>((resolve) => waiting.push(resolve)), exited]);
  };
  return { child, next };
}

describe("the checkpoint file raced by two processes", () => {
  it("a run starting as another finishes never writes an older snapshot over a newer one", async () => {
    const path = join(folder, "increments.json");
    const count = 150;
    const workers = [0, 1].map(() => start({ task: "increment", path, count, holdMs: 0 }));
    const reports = await Promise.all(workers.map((w) => w.next()));
    expect(reports.map((r) => r.done)).toEqual([count, count]);
    const state = await FileStateStore.open(path, { readOnly: true });
    // Each open read the state the previous holder left: no increment lost.
    expect(await state.get<number>("n")).toBe(2 * count);
    await state.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  }, 120_000);

  it("a stale lock taken over by two runs at the same instant is held by exactly one", async () => {
    const path = join(folder, "takeover.json");
    const workers = [0, 1].map(() => start({ task: "takeover", path, count: 0, holdMs: 60 }));
    await Promise.all(workers.map((w) => w.next())); // ready
    const dead = deadPid();
    const overlaps: number[] = [];
    const rounds = 80;
    for (let round = 0; round < rounds; round++) {
      const since = new Date(Date.now() - 60_000 - round).toISOString();
      await writeFile(`${path}.lock`, JSON.stringify({ pid: dead, host: hostname(), since }));
      const at = Date.now() + 40;
      for (const w of workers) w.child.send({ kind: "go", round, at });
      const results = await Promise.all(workers.map((w) => w.next()));
      const held = results.filter((r) => r.held);
      expect(held.length, JSON.stringify(results)).toBeGreaterThanOrEqual(1);
      const [a, b] = held;
      if (a && b && (a.from as number) < (b.to as number) && (b.from as number) < (a.to as number)) {
        overlaps.push(round);
      }
      for (const loser of results.filter((r) => !r.held)) expect(loser.message).toMatch(/in use/);
    }
    for (const w of workers) w.child.send({ kind: "exit" });
    expect(overlaps, `rounds in which both processes held the lock at once: ${overlaps.join(", ")}`).toEqual(
      [],
    );
    // Nothing left behind: no lock, no takeover marker, no temporary file.
    expect((await readdir(folder)).filter((name) => name.startsWith("takeover.json"))).toEqual([]);
  }, 120_000);
});

/** The pid of a process that has exited: the owner of a stale lock. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid as number;
}
