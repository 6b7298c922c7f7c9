/**
 * A child process for the checkpoint-file races (test/cli/file-state-race.test.ts): another
 * `idswitch mirror apply` on the same state file, as far as the file and its lock can tell.
 * Bundled by the test with esbuild (Node 20 runs no TypeScript); never imported by a test.
 *
 * - "increment": opens the store, adds one to the key `n`, closes it — `count` times, retrying
 *   while the other process holds the lock. An older snapshot written over a newer one loses
 *   an increment.
 * - "takeover": on each "go" (at a shared instant), opens the store over the stale lock the
 *   parent left and, if it holds the lock, keeps it for `holdMs`; reports when it held it.
 */
import { FileStateStore } from "../../../src/cli/file-state.js";

interface Config {
  readonly task: "increment" | "takeover";
  readonly path: string;
  readonly count: number;
  readonly holdMs: number;
}

type Message =
  | { readonly kind: "go"; readonly round: number; readonly at: number }
  | { readonly kind: "exit" };

const config = JSON.parse(process.argv[2] as string) as Config;
const send = (report: unknown) => process.send?.(report);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function increment(): Promise<void> {
  let done = 0;
  let busy = 0;
  while (done < config.count) {
    let store: FileStateStore;
    try {
      store = await FileStateStore.open(config.path);
    } catch (err) {
      if (!/in use|cannot take the lock/.test((err as Error).message)) throw err;
      busy++;
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    const n = (await store.get<number>("n")) ?? 0;
    await store.set("n", n + 1);
    await store.close();
    done++;
  }
  send({ kind: "done", done, busy });
}

async function takeover(message: Extract<Message, { kind: "go" }>): Promise<void> {
  while (Date.now() < message.at) {
    // spin: both processes leave this loop at the same instant
  }
  try {
    const store = await FileStateStore.open(config.path);
    const from = Date.now();
    await sleep(config.holdMs);
    const to = Date.now();
    await store.close();
    send({ kind: "round", round: message.round, held: true, from, to });
  } catch (err) {
    send({ kind: "round", round: message.round, held: false, message: (err as Error).message });
  }
}

if (config.task === "increment") {
  increment().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
} else {
  process.on("message", (message: Message) => {
    if (message.kind === "exit") process.exit(0);
    else void takeover(message);
  });
  send({ kind: "ready" });
}
