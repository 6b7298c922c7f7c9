/**
 * Background health checks: each provider's discovery document, key set and
 * token endpoint are probed on a jittered interval, so an outage is found by
 * a probe before a caller meets it, and a breaker is closed only by a probe
 * of what failed (a token endpoint that hangs while discovery answers keeps
 * its breaker open). Live traffic never probes.
 *
 * With a shared StateStore one instance probes a provider for all: it holds
 * a lease (`add`, renewed with `compareAndSet`), writes each round's results
 * to the store, and the others book those results instead of probing. A
 * store that does not answer makes every instance probe for itself.
 *
 * Timers are unref'd (Node, Bun; Deno through `Deno.unrefTimer`): health
 * checks never keep a process alive.
 */
import type { StateStore } from "../core/state-store.js";
import { PROBE_SURFACES, type ProbeSurface, type ProviderHealth } from "../core/types.js";
import type { Provider } from "../providers/provider.js";
import type { BreakerBoard } from "./breaker-board.js";

/**
 * `routing.health`: how often the background health checks run, and how long a probe may take.
 *
 * @example
 * createIdentity({ providers, routing: { health: { intervalMs: 15_000, timeoutMs: 2_000 } } });
 */
export interface HealthCheckOptions {
  /** Between two rounds of probes, ±20 % jitter. Default 30 s. */
  readonly intervalMs: number;
  /** A probe that has not answered by then counts as a failure. Default 2 s. */
  readonly timeoutMs: number;
}

/**
 * One probe's outcome, as `health()` reports it and as instances share it.
 *
 * @example
 * // A partial outage: discovery answers, the token endpoint does not.
 * const [entra] = await identity.health();
 * const token = entra?.probes.find((p) => p.surface === "token");
 * if (token?.status === "down") log.warn("Entra token endpoint down", { error: token.error, at: token.checkedAt });
 */
export interface ProbeResult {
  readonly surface: ProbeSurface;
  readonly status: "up" | "down";
  /** Epoch ms when the probe started. */
  readonly checkedAt: number;
  readonly latencyMs: number;
  /** Why it failed, as an error code. */
  readonly error?: string;
}

export interface ProberOptions {
  readonly providers: readonly Provider[];
  readonly board: BreakerBoard;
  readonly state: StateStore;
  readonly now: () => number;
  readonly health: HealthCheckOptions;
  /** Books a probe's outcome (breaker, suspension marks). */
  readonly book: (
    provider: string,
    result: ProbeResult,
    standsInFor: readonly ProbeSurface[],
  ) => Promise<void>;
  /** Jitter source; tests inject one. */
  readonly random?: () => number;
}

interface ProbeEntry {
  readonly result: ProbeResult;
  /** Surfaces the provider cannot probe that this (discovery) result speaks for. */
  standsInFor: readonly ProbeSurface[];
}

interface SharedRound {
  readonly at: number;
  readonly by: string;
  readonly entries: readonly ProbeEntry[];
}

/** Probes of a surface that must fail in a row before a probe reports it down. */
const CONFIRMATIONS = 2;

export class Prober {
  readonly #options: ProberOptions;
  /** This instance in leases and shared rounds; drawn at first use (see BreakerBoard). */
  #instanceId: string | undefined;
  get #instance(): string {
    this.#instanceId ??= crypto.randomUUID();
    return this.#instanceId;
  }
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #latest = new Map<string, readonly ProbeResult[]>();
  readonly #seenRound = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  /** `start()` could not schedule yet (a Worker's module scope): the first call through the router does. */
  #deferred = false;

  constructor(options: ProberOptions) {
    this.#options = options;
  }

  /**
   * Starts the rounds; the first runs after one (jittered) interval. Where
   * timers may not be set yet — Cloudflare Workers refuse them at module
   * scope ("Disallowed operation called within global scope") — the start
   * waits for {@link wake}, which the router calls on every operation.
   */
  start(): void {
    if (this.#stopped || this.#timer) return;
    try {
      this.#schedule();
      this.#deferred = false;
    } catch {
      this.#deferred = true;
    }
  }

  /** Starts the rounds now if {@link start} had to wait; otherwise nothing. */
  wake(): void {
    if (this.#deferred) this.start();
  }

  /**
   * Stops the rounds. A probe in flight is not waited for: during an outage
   * it could hold a shutdown for its whole budget; it ends within its
   * provider's own timeout, and what it finds is no longer booked.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The last probe results of `provider`, newest round. */
  latest(provider: string): readonly ProbeResult[] {
    return this.#latest.get(provider) ?? [];
  }

  /** One round now: every provider, probed here or read from the instance that holds its lease. */
  async round(): Promise<void> {
    await Promise.allSettled(this.#options.providers.map((p) => this.#roundOf(p)));
  }

  /**
   * Probes what `provider`'s open breaker needs proved, now, here (a
   * half-open breaker a caller came across). Single-flight per provider.
   */
  probeNow(provider: Provider): Promise<void> {
    return this.#single(provider.id, () => this.#probe(provider, this.#surfacesToProve(provider.id)));
  }

  async #roundOf(provider: Provider): Promise<void> {
    const board = this.#options.board;
    const state = board.state(provider.id);
    // An open breaker is left alone until its open period is over.
    if (state === "open" && (board.halfOpensAt(provider.id) ?? 0) > this.#options.now()) return;
    if (!(await this.#holdsLease(provider.id))) {
      await this.#adoptShared(provider.id);
      return;
    }
    const surfaces: ProbeSurface[] =
      state === "closed" ? ["discovery", "keys", "token"] : this.#surfacesToProve(provider.id);
    await this.#single(provider.id, () => this.#probe(provider, surfaces, true));
  }

  #surfacesToProve(id: string): ProbeSurface[] {
    const failed = this.#options.board.failedSurfaces(id);
    return failed.length > 0 ? [...failed] : ["discovery"];
  }

  async #probe(provider: Provider, surfaces: readonly ProbeSurface[], share = false): Promise<void> {
    const entries: ProbeEntry[] = [];
    const unprobeable: ProbeSurface[] = [];
    for (const surface of surfaces) {
      if (this.#stopped) return;
      const result = await this.#confirmed(provider, surface);
      if (result) entries.push({ result, standsInFor: [] });
      else unprobeable.push(surface);
    }
    if (unprobeable.length > 0) {
      // A surface this provider cannot probe (a public client's token endpoint): discovery speaks for it.
      let discovery = entries.find((e) => e.result.surface === "discovery");
      if (!discovery) {
        const result = await this.#confirmed(provider, "discovery");
        discovery = result && { result, standsInFor: [] };
        if (discovery) entries.push(discovery);
      }
      if (discovery?.result.status === "up") discovery.standsInFor = unprobeable;
    }
    if (this.#stopped) return;
    for (const entry of entries) await this.#options.book(provider.id, entry.result, entry.standsInFor);
    this.#latest.set(
      provider.id,
      entries.map((e) => e.result),
    );
    if (share) await this.#share(provider.id, entries);
  }

  /** A probe, and a failed one once more right away: a single lost packet is not an outage. */
  async #confirmed(provider: Provider, surface: ProbeSurface): Promise<ProbeResult | undefined> {
    let result = await this.#probeOnce(provider, surface);
    for (let i = 1; i < CONFIRMATIONS && result?.status === "down"; i++)
      result = (await this.#probeOnce(provider, surface)) ?? result;
    return result;
  }

  /** One probe of one surface within the probe budget; undefined when the provider cannot probe it. */
  async #probeOnce(provider: Provider, surface: ProbeSurface): Promise<ProbeResult | undefined> {
    const started = this.#options.now();
    const attempt: Promise<ProviderHealth | undefined> =
      surface === "discovery"
        ? provider.health()
        : provider.probe
          ? provider.probe(surface)
          : Promise.resolve(undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.#options.health.timeoutMs);
      unref(timer);
    });
    try {
      const health = await Promise.race([attempt.catch(() => "failed" as const), timeout]);
      const latencyMs = this.#options.now() - started;
      if (health === undefined) return undefined;
      if (health === "timeout" || health === "failed") {
        return { surface, status: "down", checkedAt: started, latencyMs, error: "provider_unavailable" };
      }
      return {
        surface,
        status: health.status === "up" ? "up" : "down",
        checkedAt: started,
        latencyMs,
        ...(health.status === "up" ? {} : { error: health.error ?? "provider_unavailable" }),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The lease of `id`'s prober: taken when free, renewed while held. A store that fails: probe here. */
  async #holdsLease(id: string): Promise<boolean> {
    const key = `idswitch:prober:${id}`;
    const ttlMs = this.#options.health.intervalMs * 3;
    try {
      if (await this.#options.state.add(key, this.#instance, { ttlMs })) return true;
      return await this.#options.state.compareAndSet(key, this.#instance, this.#instance, { ttlMs });
    } catch {
      return true;
    }
  }

  async #share(id: string, entries: readonly ProbeEntry[]): Promise<void> {
    const round: SharedRound = { at: this.#options.now(), by: this.#instance, entries };
    const ttlMs = this.#options.health.intervalMs * 3;
    await this.#options.state
      .set(`idswitch:probe-round:${id}`, JSON.parse(JSON.stringify(round)), { ttlMs })
      .catch(() => {});
  }

  /** Books the round the lease holder shared, once. */
  async #adoptShared(id: string): Promise<void> {
    let round: SharedRound | undefined;
    try {
      round = parseRound(await this.#options.state.get(`idswitch:probe-round:${id}`));
    } catch {
      return;
    }
    if (!round || round.by === this.#instance || round.at <= (this.#seenRound.get(id) ?? 0)) return;
    this.#seenRound.set(id, round.at);
    this.#latest.set(
      id,
      round.entries.map((e) => e.result),
    );
    for (const { result, standsInFor } of round.entries) await this.#options.book(id, result, standsInFor);
  }

  #single(id: string, run: () => Promise<void>): Promise<void> {
    const running = this.#inFlight.get(id);
    if (running) return running;
    const probe = run().finally(() => this.#inFlight.delete(id));
    this.#inFlight.set(id, probe);
    return probe;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const { intervalMs } = this.#options.health;
    const jitter = 0.8 + 0.4 * (this.#options.random ?? Math.random)();
    let delay = intervalMs * jitter;
    // An open breaker is probed as soon as its open period ends, not a whole interval later.
    for (const provider of this.#options.providers) {
      const at = this.#options.board.halfOpensAt(provider.id);
      if (at !== undefined) delay = Math.min(delay, Math.max(0, at - this.#options.now()) + 10);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.round().finally(() => this.#schedule());
    }, delay);
    unref(this.#timer);
  }
}

function unref(timer: ReturnType<typeof setTimeout> | undefined): void {
  if (timer === undefined) return;
  if (typeof timer === "object" && timer !== null && "unref" in timer) {
    (timer as { unref(): void }).unref();
    return;
  }
  const deno = (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno;
  if (typeof timer === "number") deno?.unrefTimer?.(timer);
}

function parseRound(value: unknown): SharedRound | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const round = value as Partial<SharedRound>;
  if (typeof round.at !== "number" || typeof round.by !== "string" || !Array.isArray(round.entries))
    return undefined;
  const entries: ProbeEntry[] = [];
  for (const entry of round.entries as unknown[]) {
    const { result, standsInFor } = (entry ?? {}) as Partial<ProbeEntry>;
    const valid =
      typeof result === "object" &&
      result !== null &&
      PROBE_SURFACES.has(result.surface) &&
      (result.status === "up" || result.status === "down") &&
      typeof result.checkedAt === "number" &&
      Array.isArray(standsInFor) &&
      standsInFor.every((s) => PROBE_SURFACES.has(s));
    if (valid) entries.push({ result, standsInFor });
  }
  return { at: round.at, by: round.by, entries };
}
