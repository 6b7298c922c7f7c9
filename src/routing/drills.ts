/**
 * Failover drills: a provider treated as down for a cohort, without
 * touching the provider, so an organisation can rehearse the loss of
 * Microsoft in production and watch the events. A drill lives in the
 * StateStore with a time to live (every instance sharing the store sees it,
 * and it ends by itself), names the share of app users it covers (a stable
 * hash of the app user id and the drill's id decides who), and is announced
 * once per instance when it starts and when it ends.
 */
import type { EventBus } from "../core/events.js";
import type { StateStore } from "../core/state-store.js";

/**
 * A failover drill as the StateStore keeps it and `health()` shows it.
 *
 * @example
 * // Everyone's sign-ins and the app's own tokens avoid Entra ID for ten minutes.
 * const drill: Drill = {
 *   id: crypto.randomUUID(),
 *   provider: "entra",
 *   percent: 100,
 *   startedAt: Date.now(),
 *   until: Date.now() + 600_000,
 * };
 */
// A type alias, not an interface: it must be assignable to the store's JSON value type.
export type Drill = {
  readonly id: string;
  readonly provider: string;
  /** Share of app users covered, 0.01–100. The application's own calls are covered at 100 only. */
  readonly percent: number;
  /** Epoch ms. */
  readonly startedAt: number;
  /** Epoch ms when it ends by itself. */
  readonly until: number;
};

/**
 * Options of {@link Identity.drill}.
 *
 * @example
 * await identity.drill({ provider: "entra", until: Date.now() + 10 * 60_000, cohort: { percent: 5 } });
 */
export interface DrillOptions {
  readonly provider: string;
  /** When the drill ends by itself: epoch ms or a Date, at most 24 h ahead. */
  readonly until: number | Date;
  /** The share of app users it covers; everyone (and the application's own calls) when left out. */
  readonly cohort?: { readonly percent: number } | undefined;
}

const MAX_DRILL_MS = 24 * 3_600_000;

export class Drills {
  readonly #state: StateStore;
  readonly #events: EventBus;
  readonly #now: () => number;
  /** The drill this instance last announced per provider: each start and end is told once. */
  readonly #announced = new Map<string, Drill>();

  constructor(state: StateStore, events: EventBus, now: () => number) {
    this.#state = state;
    this.#events = events;
    this.#now = now;
  }

  /** Starts (or replaces) the drill of `options.provider`. */
  async start(options: DrillOptions): Promise<Drill> {
    const until = options.until instanceof Date ? options.until.getTime() : options.until;
    const now = this.#now();
    if (!Number.isFinite(until) || until <= now || until - now > MAX_DRILL_MS) {
      throw new TypeError("drill: `until` must be in the future, at most 24 hours ahead");
    }
    const percent = options.cohort?.percent ?? 100;
    if (!Number.isFinite(percent) || percent < 0.01 || percent > 100) {
      throw new TypeError("drill: `cohort.percent` must be between 0.01 and 100");
    }
    const drill: Drill = {
      id: crypto.randomUUID(),
      provider: options.provider,
      percent,
      startedAt: now,
      until,
    };
    await this.#state.set(key(options.provider), drill, { ttlMs: until - now });
    this.#notice(options.provider, drill);
    return drill;
  }

  /** Ends the drill of `provider` now, if there is one. */
  async end(provider: string): Promise<void> {
    await this.#state.delete(key(provider));
    this.#notice(provider, undefined);
  }

  /** The drill of `provider` in force now, if any (and its start or end announced once). */
  async of(provider: string): Promise<Drill | undefined> {
    const found = parseDrill(await this.#state.get(key(provider)), provider);
    const drill = found && found.until > this.#now() ? found : undefined;
    this.#notice(provider, drill);
    return drill;
  }

  /**
   * Is this call covered by `drill`? A person by the stable hash of their app
   * user id; a call for nobody in particular (the app's own tokens, a sign-in
   * of someone not yet known) only by a drill for everyone.
   */
  covers(drill: Drill, appUserId: string | undefined): boolean {
    if (drill.percent >= 100) return true;
    if (appUserId === undefined) return false;
    return bucket(`${drill.id}:${appUserId}`) < Math.round(drill.percent * 100);
  }

  #notice(provider: string, drill: Drill | undefined): void {
    const before = this.#announced.get(provider);
    if (before?.id === drill?.id) return;
    if (before) {
      this.#announced.delete(provider);
      this.#events.emit("drill", { provider, state: "ended", percent: before.percent, until: before.until });
    }
    if (drill) {
      this.#announced.set(provider, drill);
      this.#events.emit("drill", { provider, state: "started", percent: drill.percent, until: drill.until });
    }
  }
}

function key(provider: string): string {
  return `idswitch:drill:${provider}`;
}

/** 0–9999 from FNV-1a (32 bit) with MurmurHash3's finaliser to spread similar ids: stable and fast; not a secret. */
function bucket(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) % 10_000;
}

function parseDrill(value: unknown, provider: string): Drill | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const d = value as Partial<Drill>;
  const valid =
    typeof d.id === "string" &&
    d.provider === provider &&
    typeof d.percent === "number" &&
    typeof d.startedAt === "number" &&
    typeof d.until === "number";
  return valid ? (d as Drill) : undefined;
}
