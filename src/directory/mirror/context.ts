/**
 * One run's working state: the options, whether writes happen (`apply`) or
 * are only recorded (`plan`), the counters, and the checkpoint keys in the
 * StateStore. Every write goes through `write()`, so plan and apply walk
 * exactly the same path.
 */

import { LruMap } from "../../core/lru-map.js";
import type { StateValue } from "../../core/state-store.js";
import type { ResumePoint } from "../types.js";
import { type DisableRule, disableRule, type MirrorOptions } from "./options.js";
import type { Divergence, MirrorAction, MirrorActionKind, MirrorProgress } from "./result.js";

const KINDS: readonly MirrorActionKind[] = [
  "declare-attribute",
  "ensure-mapper",
  "create-user",
  "update-user",
  "enable-user",
  "disable-user",
  "send-onboarding-email",
  "create-group",
  "rename-group",
  "join-group",
  "leave-group",
  "create-role",
  "grant-role",
  "revoke-role",
];

/** Keycloak ids of people met in this run, bounded: memory must not grow with the directory. */
const ID_CACHE_LIMIT = 10_000;

export class RunContext {
  readonly counts = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<MirrorActionKind, number>;
  readonly divergences: Divergence[] = [];
  readonly actions: MirrorAction[] | undefined;
  writes = 0;
  processed = 0;
  #phase: MirrorProgress["phase"] = "setup";
  readonly #ids = new LruMap<string, string>(ID_CACHE_LIMIT);
  /** What happens to a disable at the source (`disables`, or the earlier `policy`). */
  readonly disables: DisableRule;
  /** When this run started (epoch ms): the next run's audit-log window starts here. */
  readonly startedAt: number;
  /** Set once the audit log failed in this run: later lookups are not tried again (a 403 or a 429 storm). */
  auditFailure: string | undefined;

  constructor(
    readonly options: MirrorOptions,
    readonly dryRun: boolean,
  ) {
    this.actions = dryRun ? [] : undefined;
    this.disables = disableRule(options);
    this.startedAt = options.now();
  }

  /** Records a write and, unless planning, makes it. */
  async write(action: MirrorAction, run: () => Promise<unknown>): Promise<void> {
    if (!this.dryRun) await run();
    this.record(action);
  }

  /** Counts a write already made as part of a bulk request (one request, many writes). */
  record(action: MirrorAction): void {
    this.counts[action.kind]++;
    this.writes++;
    this.actions?.push(action);
    this.progress();
  }

  get phase(): MirrorProgress["phase"] {
    return this.#phase;
  }

  /** Entering a phase is reported too, so a phase that writes nothing still shows where the time goes. */
  set phase(phase: MirrorProgress["phase"]) {
    this.#phase = phase;
    this.progress();
  }

  progress(): void {
    this.options.onProgress?.({ phase: this.phase, processed: this.processed, writes: this.writes });
  }

  rememberId(key: string, id: string): void {
    this.#ids.set(key, id);
  }

  knownId(key: string): string | undefined {
    return this.#ids.get(key);
  }

  // ----- checkpoint (never written while planning) ---------------------------------------------

  #key(name: string): string {
    return mirrorStateKey(this.options.name, name);
  }

  /** The StateStore key of one of this mirror's values. */
  stateKey(name: string): string {
    return this.#key(name);
  }

  async read<T extends StateValue>(name: string): Promise<T | undefined> {
    return this.options.state.get<T>(this.#key(name));
  }

  async save(name: string, value: StateValue): Promise<void> {
    if (!this.dryRun) await this.options.state.set(this.#key(name), value);
  }

  resumePoint(): Promise<ResumePoint | undefined> {
    return this.read<ResumePoint & { [k: string]: StateValue }>("cursor");
  }
}

/** The StateStore key of a mirror's value: `idswitch:mirror:<name>:<value>`. */
export function mirrorStateKey(mirrorName: string, name: string): string {
  return `idswitch:mirror:${mirrorName}:${name}`;
}

/** Runs `work` over `items` with at most `limit` in flight; the first failure stops the rest and is thrown. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== undefined) throw failure;
}
