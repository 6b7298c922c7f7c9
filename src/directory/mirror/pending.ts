/**
 * The disables the source asked for and the brake has not yet let through,
 * kept in the StateStore so a run killed between the users phase and the
 * disables phase loses none. It holds keys only, and only of people to
 * disable: it grows with a mass disable, not with the directory.
 */
import type { RunContext } from "./context.js";

export class Pending {
  readonly #ctx: RunContext;
  #keys: Set<string>;
  #dirty = false;

  private constructor(ctx: RunContext, keys: readonly string[]) {
    this.#ctx = ctx;
    this.#keys = new Set(keys);
  }

  static async load(ctx: RunContext): Promise<Pending> {
    return new Pending(ctx, (await ctx.read<string[]>("pending-disables")) ?? []);
  }

  get size(): number {
    return this.#keys.size;
  }

  keys(): string[] {
    return [...this.#keys];
  }

  add(key: string): void {
    if (this.#keys.has(key)) return;
    this.#keys.add(key);
    this.#dirty = true;
  }

  drop(key: string): void {
    if (this.#keys.delete(key)) this.#dirty = true;
  }

  async save(): Promise<void> {
    if (!this.#dirty) return;
    await this.#ctx.save("pending-disables", [...this.#keys]);
    this.#dirty = false;
  }
}
