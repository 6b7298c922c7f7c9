/**
 * Provenance-aware disables (docs/concepts.md, "Whose word counts"): a
 * disable or removal at Entra reaches the Keycloak copy only when the
 * tenant's directory audit log shows that the organisation made it — an
 * initiator on `disables.trustedInitiators`. Any other — Microsoft's, an
 * unknown initiator, no entry within the window, a log that cannot be read —
 * is quarantined: the copy stays enabled, the person is reported on every run
 * until someone releases (keeps the copy enabled) or confirms (copies the
 * disable) it, or until Entra enables the person again.
 *
 * The quarantine and the releases live in the StateStore as two maps keyed by
 * `tid:oid`. They are saved by merging this run's changes into what the store
 * holds (compare-and-set), so a release made while a run goes on is kept.
 */
import type { StateStore, StateValue } from "../../core/state-store.js";
import type { AccountEvent, AuditInitiator } from "../types.js";
import { mirrorStateKey, type RunContext } from "./context.js";
import type { Pending } from "./pending.js";
import type { QuarantinedPerson, QuarantineReason } from "./result.js";

/** A quarantine a person released: the same disable is not quarantined again. */
export interface ReleasedDisable {
  /** When it was released (ISO 8601): only audit entries after it are new evidence. */
  readonly at: string;
  /** The audit entry the quarantine named, if any: never evidence again. */
  readonly auditEntryId: string | undefined;
}

type Op<T> = { readonly key: string; readonly value: T | undefined };

/** A key → entry map in the StateStore, changed in memory and saved by merging (see above). */
export class Ledger<T extends object> {
  readonly #store: StateStore;
  readonly #stateKey: string;
  readonly #dryRun: boolean;
  #entries: Map<string, T>;
  #ops: Op<T>[] = [];

  private constructor(store: StateStore, stateKey: string, dryRun: boolean, entries: Record<string, T>) {
    this.#store = store;
    this.#stateKey = stateKey;
    this.#dryRun = dryRun;
    this.#entries = new Map(Object.entries(entries));
  }

  static async load<T extends object>(
    store: StateStore,
    stateKey: string,
    dryRun: boolean,
  ): Promise<Ledger<T>> {
    const stored = await store.get<Record<string, StateValue>>(stateKey);
    return new Ledger<T>(store, stateKey, dryRun, (stored ?? {}) as unknown as Record<string, T>);
  }

  get(key: string): T | undefined {
    return this.#entries.get(key);
  }

  values(): T[] {
    return [...this.#entries.values()];
  }

  set(key: string, value: T): void {
    this.#entries.set(key, value);
    this.#ops.push({ key, value });
  }

  delete(key: string): void {
    if (!this.#entries.delete(key)) return;
    this.#ops.push({ key, value: undefined });
  }

  /** Merges this run's changes into the stored map; never while planning. */
  async save(): Promise<void> {
    if (this.#ops.length === 0 || this.#dryRun) return;
    const ops = this.#ops;
    this.#ops = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      const stored = await this.#store.get<Record<string, StateValue>>(this.#stateKey);
      const next: Record<string, StateValue> = { ...(stored ?? {}) };
      for (const op of ops) {
        if (op.value === undefined) delete next[op.key];
        else next[op.key] = plain(op.value);
      }
      if (await this.#store.compareAndSet(this.#stateKey, stored, next)) {
        this.#entries = new Map(Object.entries(next as unknown as Record<string, T>));
        return;
      }
    }
    throw new Error(`the mirror's ${this.#stateKey} keeps changing under it`);
  }
}

/** JSON without `undefined`, as the StateStore takes it. */
function plain(value: object): StateValue {
  return JSON.parse(JSON.stringify(value)) as StateValue;
}

/** The quarantine and the releases of one run. */
export class Quarantine {
  /** People this run decided about: not asked again by `recheckUnknown`. */
  readonly met = new Set<string>();

  private constructor(
    readonly people: Ledger<QuarantinedPerson>,
    readonly released: Ledger<ReleasedDisable>,
  ) {}

  static async load(store: StateStore, mirrorName: string, dryRun: boolean): Promise<Quarantine> {
    return new Quarantine(
      await Ledger.load<QuarantinedPerson>(store, mirrorStateKey(mirrorName, "quarantine"), dryRun),
      await Ledger.load<ReleasedDisable>(store, mirrorStateKey(mirrorName, "released"), dryRun),
    );
  }

  /** The person is enabled at the source again: whatever was quarantined or released is over. */
  clear(key: string): void {
    this.people.delete(key);
    this.released.delete(key);
  }

  list(): QuarantinedPerson[] {
    return this.people.values().sort((a, b) => a.since.localeCompare(b.since) || a.key.localeCompare(b.key));
  }

  async save(): Promise<void> {
    await this.people.save();
    await this.released.save();
  }
}

/** Everyone a mirror has quarantined now, from its StateStore (what `readiness()` lists). */
export async function quarantinedPeople(store: StateStore, mirrorName: string): Promise<QuarantinedPerson[]> {
  return (await Quarantine.load(store, mirrorName, true)).list();
}

/** A person disabled or removed at the source whose Keycloak copy is enabled. */
export interface Gone {
  readonly key: string;
  readonly reason: "disabled-at-source" | "removed-at-source";
  readonly keycloakUserId: string;
  readonly userPrincipalName: string | undefined;
}

interface Evidence {
  readonly event: AccountEvent | undefined;
  /** Why there is no event. */
  readonly why: "no-audit-entry" | "audit-unreadable" | undefined;
  readonly detail: string | undefined;
}

/** Where the audit log is searched for a disable seen in this run. */
export async function auditWindowStart(ctx: RunContext): Promise<number> {
  const { maxAgeMs, slackMs } = ctx.disables;
  const oldest = ctx.startedAt - maxAgeMs;
  const previous = await ctx.read<number>("audit-since");
  return previous === undefined ? oldest : Math.max(oldest, previous - slackMs);
}

/**
 * Whose word counts for one disable or removal: queued to be copied (`pending`), quarantined, or — a
 * released one with no new evidence — left alone. Plain `"propagate"` queues every one, as before.
 */
export async function decide(
  ctx: RunContext,
  pending: Pending,
  quarantine: Quarantine,
  windowStart: number,
  gone: Gone,
): Promise<void> {
  const rule = ctx.disables;
  quarantine.met.add(gone.key);
  if (rule.policy === "propagate" && !rule.audited) {
    quarantine.clear(gone.key); // quarantined under an earlier configuration: this one copies every disable
    pending.add(gone.key);
    return;
  }
  if (rule.policy === "hold") {
    ctx.divergences.push({ key: gone.key, reason: gone.reason, keycloakUserId: gone.keycloakUserId });
  }
  const existing = quarantine.people.get(gone.key);
  // Already quarantined on what the log said: it will not say otherwise. An unknown one is asked again.
  if (existing && (existing.why === "untrusted-initiator" || existing.why === "hold" || !rule.audited))
    return;
  if (!rule.audited) {
    quarantine.people.set(
      gone.key,
      entry(ctx, gone, "hold", { kind: "unknown" }, undefined, undefined, windowStart),
    );
    return;
  }
  const released = quarantine.released.get(gone.key);
  const since = released
    ? Date.parse(released.at)
    : existing
      ? Date.parse(existing.windowStart)
      : windowStart;
  const evidence = await findEvidence(ctx, gone, since);
  const event = evidence.event?.id === released?.auditEntryId ? undefined : evidence.event;
  // Released: the same disable stays released unless the log shows a new one.
  if (released && !event) return;
  if (event && rule.policy === "propagate" && trusted(rule.trusted, event.initiator)) {
    quarantine.clear(gone.key);
    pending.add(gone.key);
    return;
  }
  quarantine.released.delete(gone.key);
  if (existing && !event && existing.why === evidence.why) return; // still unknown, for the same reason
  const why: QuarantineReason =
    rule.policy === "hold" ? "hold" : event ? "untrusted-initiator" : (evidence.why ?? "no-audit-entry");
  const since0 = existing ? Date.parse(existing.windowStart) : since;
  quarantine.people.set(
    gone.key,
    entry(
      ctx,
      gone,
      why,
      event?.initiator ?? { kind: "unknown" },
      event,
      evidence.detail,
      since0,
      existing?.since,
    ),
  );
}

/**
 * Quarantined people whose initiator is unknown and whom this run did not meet (a delta round lists only
 * changes): the log is asked again, since an entry can show up minutes late or the log be readable again.
 */
export async function recheckUnknown(
  ctx: RunContext,
  pending: Pending,
  quarantine: Quarantine,
): Promise<void> {
  if (!ctx.disables.audited) return;
  for (const q of quarantine.people.values()) {
    if (quarantine.met.has(q.key) || (q.why !== "no-audit-entry" && q.why !== "audit-unreadable")) continue;
    if (ctx.auditFailure !== undefined) return;
    const have = await ctx.options.target.findUser(q.key);
    if (!have?.enabled) continue;
    await decide(ctx, pending, quarantine, Date.parse(q.windowStart), {
      key: q.key,
      reason: q.reason,
      keycloakUserId: have.id,
      userPrincipalName: q.userPrincipalName,
    });
  }
}

function entry(
  ctx: RunContext,
  gone: Gone,
  why: QuarantineReason,
  initiator: AuditInitiator,
  event: AccountEvent | undefined,
  detail: string | undefined,
  windowStart: number,
  since?: string,
): QuarantinedPerson {
  return {
    key: gone.key,
    userPrincipalName: gone.userPrincipalName,
    keycloakUserId: gone.keycloakUserId,
    reason: gone.reason,
    why,
    initiator,
    auditEntryId: event?.id,
    activityDateTime: event?.at,
    detail,
    since: since ?? new Date(ctx.startedAt).toISOString(),
    windowStart: new Date(windowStart).toISOString(),
  };
}

/** Whether the initiator is on the list: a user by UPN or object id, an app by appId or service principal id. */
export function trusted(list: ReadonlySet<string>, initiator: AuditInitiator): boolean {
  const names =
    initiator.kind === "user"
      ? [initiator.userPrincipalName, initiator.id]
      : initiator.kind === "app"
        ? [initiator.appId, initiator.servicePrincipalId]
        : [];
  return names.some((name) => name !== undefined && list.has(name.toLowerCase()));
}

/**
 * The audit entry of the current disable (or removal): the newest change of the account's state since
 * `since`, if it is a disable (a deletion). A newer enable (restore) means the current state has no entry.
 */
async function findEvidence(ctx: RunContext, gone: Gone, since: number): Promise<Evidence> {
  const { source } = ctx.options;
  if (ctx.auditFailure !== undefined) {
    return { event: undefined, why: "audit-unreadable", detail: ctx.auditFailure };
  }
  if (!source.accountEvents) {
    const detail = "this directory source cannot read an audit log";
    return { event: undefined, why: "audit-unreadable", detail };
  }
  const objectId = gone.key.slice(gone.key.indexOf(":") + 1);
  const wanted =
    gone.reason === "removed-at-source" ? ["deleted", "restored"] : ["disabled", "enabled", "restored"];
  const hit = gone.reason === "removed-at-source" ? "deleted" : "disabled";
  try {
    for await (const event of source.accountEvents(objectId, since)) {
      if (!wanted.includes(event.change)) continue;
      if (event.change === hit) return { event, why: undefined, detail: undefined };
      return {
        event: undefined,
        why: "no-audit-entry",
        detail: `the newest account change in the log is "${event.activity}" (${event.at})`,
      };
    }
  } catch (err) {
    ctx.auditFailure = err instanceof Error ? err.message : String(err);
    return { event: undefined, why: "audit-unreadable", detail: ctx.auditFailure };
  }
  return {
    event: undefined,
    why: "no-audit-entry",
    detail: `no disable of this account in the directory audit log since ${new Date(since).toISOString()}`,
  };
}
