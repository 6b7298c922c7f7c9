/**
 * The machine's Redis for store tests. Each test gets its own key prefix
 * (named after the process) and the file removes every key under its
 * prefixes at the end, with SCAN + DEL (never KEYS, never FLUSHDB: the
 * server may be shared).
 */
import { createClient } from "redis";

export const REDIS_URL = process.env.IDSWITCH_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export class Prefixes {
  readonly #root: string;
  #count = 0;

  constructor(name: string) {
    this.#root = `idswitch-test:${name}:${process.pid}:`;
  }

  next(): string {
    return `${this.#root}${++this.#count}:`;
  }

  async cleanUp(): Promise<number> {
    const admin = createClient({ url: REDIS_URL });
    admin.on("error", () => undefined);
    await admin.connect();
    let removed = 0;
    for await (const keys of admin.scanIterator({ MATCH: `${this.#root}*`, COUNT: 500 })) {
      if (keys.length > 0) removed += await admin.del(keys);
    }
    await admin.close();
    return removed;
  }
}
