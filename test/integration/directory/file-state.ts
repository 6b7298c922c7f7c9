/**
 * A StateStore in one JSON file, for the kill tests only: the checkpoint must
 * outlive a process killed with SIGKILL. Each write replaces the file by
 * rename, so a kill leaves either the old or the new content, never half.
 * (Not for production: one process at a time, no expiry.)
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { StateStore, StateValue } from "../../../src/index.js";

export class FileStateStore implements StateStore {
  constructor(readonly path: string) {}

  #all(): Record<string, StateValue> {
    return existsSync(this.path)
      ? (JSON.parse(readFileSync(this.path, "utf8")) as Record<string, StateValue>)
      : {};
  }

  #write(all: Record<string, StateValue>): void {
    writeFileSync(`${this.path}.tmp`, JSON.stringify(all));
    renameSync(`${this.path}.tmp`, this.path);
  }

  async get<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    return this.#all()[key] as T | undefined;
  }
  async set(key: string, value: StateValue): Promise<void> {
    this.#write({ ...this.#all(), [key]: value });
  }
  async delete(key: string): Promise<void> {
    const all = this.#all();
    delete all[key];
    this.#write(all);
  }
  async add(key: string, value: StateValue): Promise<boolean> {
    if ((await this.get(key)) !== undefined) return false;
    await this.set(key, value);
    return true;
  }
  async take<T extends StateValue = StateValue>(key: string): Promise<T | undefined> {
    const value = await this.get<T>(key);
    await this.delete(key);
    return value;
  }
  async increment(key: string, options: { by?: number } = {}): Promise<number> {
    const next = ((await this.get<number>(key)) ?? 0) + (options.by ?? 1);
    await this.set(key, next);
    return next;
  }
  async compareAndSet(key: string, expected: StateValue | undefined, next: StateValue): Promise<boolean> {
    if (JSON.stringify(await this.get(key)) !== JSON.stringify(expected)) return false;
    await this.set(key, next);
    return true;
  }
}
