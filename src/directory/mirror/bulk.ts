/**
 * The first full round in bulk: people the realm does not hold yet are
 * created through Keycloak's partial import, hundreds per request, each with
 * their key and their groups, instead of a lookup, a create and a join per
 * person (about three requests each). A directory of tens of thousands
 * becomes a few hundred requests.
 *
 * What keeps it as safe as the one-by-one path:
 * - Only people whose key the realm does not hold are imported. The keys are
 *   read once at the start of the round (and each one imported is added), so
 *   a person renamed at the source is never imported twice under a new
 *   username: they are in the set, and go the one-by-one way, found by key.
 * - `ifResourceExists: SKIP`: a username already taken is not written. Taken
 *   by this very person (an import whose answer was lost, a run killed after
 *   Keycloak committed) or by someone else, the one-by-one path settles it
 *   through the key, exactly as before.
 * - One transaction per request: a batch Keycloak refuses (a shared e-mail
 *   address) wrote nothing, and is split in halves until the person it is
 *   about goes the one-by-one way and meets the same 409 there.
 * - The checkpoint still moves only after a whole page is applied.
 */
import type { KeycloakTarget, NewUser } from "../keycloak/target.js";
import type { SourceGroup, SourceUser, TargetGroup, UserChange } from "../types.js";
import type { RunContext } from "./context.js";
import { fieldsOf } from "./fields.js";
import { SeenKeys } from "./seen-keys.js";

/**
 * People per partial import, adapted as the run goes: a request should take a fraction of the call budget
 * (`runtime.timeoutMs`), because an import that outlives it is abandoned and sent again, and then finds
 * everyone taken (SKIP) and sends them one by one. ~200 B a person: 500 is ~100 KB, far below Keycloak's
 * 10 MiB body limit.
 */
const FIRST_BATCH = 100;
const MIN_BATCH = 10;
const MAX_BATCH = 500;
const GROUPS_PER_REQUEST = 500;
/**
 * Imports in flight at once: Keycloak works one request on one thread (the group lookups of each person
 * dominate), so a second request keeps another core busy; people in two batches never overlap.
 */
const IMPORT_LANES = 2;

/** A person the bulk path created, for what follows a creation (the onboarding e-mail). */
export interface BulkCreated {
  readonly user: SourceUser;
  readonly id: string;
}

/** A mirrored group people are put in at creation: its Keycloak path and its Entra id. */
interface Joinable {
  readonly path: string;
  readonly sourceId: string;
}

export class BulkCreate {
  readonly #target: Importer;
  /** Keys the realm holds: read at the start of the round, grown by every import. */
  readonly #present: SeenKeys;
  /** The groups each person is put in at creation (indexes into `#groups`), by key. */
  #groupsOf: Map<string, number[]> | undefined;
  readonly #groups: readonly Joinable[];
  #batch = FIRST_BATCH;

  private constructor(
    target: Importer,
    present: SeenKeys,
    groupsOf?: Map<string, number[]>,
    groups: Joinable[] = [],
  ) {
    this.#target = target;
    this.#present = present;
    this.#groupsOf = groupsOf;
    this.#groups = groups;
  }

  /**
   * Ready for a full round that `apply()` makes, when the target can import; undefined otherwise (a plan
   * goes the one-by-one way: it writes nothing, and must not create groups).
   */
  static async start(ctx: RunContext): Promise<BulkCreate | undefined> {
    const { source, target } = ctx.options;
    if (ctx.dryRun || !canImport(target)) return undefined;
    const present = new SeenKeys(source.tenantId);
    for await (const user of target.mirroredUsers()) if (user.key) present.add(user.key);
    if (!ctx.options.groups) return new BulkCreate(target, present);
    const groups = await ensureGroups(ctx, target);
    const { groupsOf, joinable } = await membershipIndex(ctx, target, groups);
    return new BulkCreate(target, present, groupsOf, joinable);
  }

  /**
   * Imports the people of `changes` the realm does not hold; answers whom it created and the changes left
   * for the one-by-one path (removals, people the realm holds, usernames taken, batches refused).
   */
  async create(
    ctx: RunContext,
    changes: readonly UserChange[],
  ): Promise<{ created: BulkCreated[]; rest: UserChange[] }> {
    const rest: UserChange[] = [];
    const fresh: SourceUser[] = [];
    for (const change of changes) {
      if (change.kind === "upsert" && !this.#present.has(change.user.key)) fresh.push(change.user);
      else rest.push(change);
    }
    const created: BulkCreated[] = [];
    const budget = this.#target.http.budgetMs;
    let next = 0;
    let failure: unknown;
    const lane = async () => {
      while (failure === undefined && next < fresh.length) {
        const batch = fresh.slice(next, next + this.#batch);
        next += batch.length;
        const started = performance.now();
        try {
          await this.#import(ctx, batch, created, rest);
        } catch (err) {
          failure ??= err;
          return;
        }
        const took = performance.now() - started;
        if (took > budget / 4) this.#batch = Math.max(MIN_BATCH, Math.floor(this.#batch / 2));
        else if (took < budget / 10 && batch.length === this.#batch) {
          this.#batch = Math.min(MAX_BATCH, this.#batch * 2);
        }
      }
    };
    await Promise.all(Array.from({ length: IMPORT_LANES }, lane));
    if (failure !== undefined) throw failure;
    return { created, rest };
  }

  /** The users round is over: the membership index is no longer needed. */
  done(): void {
    this.#groupsOf = undefined;
  }

  async #import(
    ctx: RunContext,
    batch: readonly SourceUser[],
    created: BulkCreated[],
    rest: UserChange[],
  ): Promise<void> {
    const { emailVerified, onboarding } = ctx.options;
    const groupsOf = (key: string) =>
      (this.#groupsOf?.get(key) ?? []).map((g) => this.#groups[g] as Joinable);
    const people: NewUser[] = batch.map((user) => ({
      key: user.key,
      fields: fieldsOf(user, emailVerified),
      requiredActions: onboarding.requiredActions,
      groups: groupsOf(user.key).map((g) => g.path),
    }));
    const answer = await this.#target.importUsers(people);
    if (answer === undefined) {
      // Refused as a whole, nothing written: halve until the one person it is about goes one by one.
      if (batch.length === 1) rest.push({ kind: "upsert", user: batch[0] as SourceUser });
      else {
        const half = Math.ceil(batch.length / 2);
        await this.#import(ctx, batch.slice(0, half), created, rest);
        await this.#import(ctx, batch.slice(half), created, rest);
      }
      return;
    }
    for (const [i, user] of batch.entries()) {
      const outcome = answer.get((people[i] as NewUser).fields.username);
      if (!outcome?.added) {
        rest.push({ kind: "upsert", user }); // the username was taken: settled through the key
        continue;
      }
      this.#present.add(user.key);
      ctx.rememberId(user.key, outcome.id);
      ctx.record({ kind: "create-user", key: user.key });
      for (const g of groupsOf(user.key))
        ctx.record({ kind: "join-group", key: user.key, target: g.sourceId });
      created.push({ user, id: outcome.id });
    }
  }
}

type Importer = Pick<
  KeycloakTarget,
  "importUsers" | "importGroups" | "groups" | "createGroup" | "groupPath" | "http"
>;

function canImport(target: unknown): target is Importer {
  const t = target as Partial<Importer>;
  return typeof t.importUsers === "function" && typeof t.importGroups === "function";
}

/**
 * Every source group has its Keycloak group before anyone is created, so people can be put in at
 * creation: the missing ones imported in bulk, those whose name is taken made one by one (the name gets
 * the Entra id appended, as the groups phase does).
 */
async function ensureGroups(
  ctx: RunContext,
  target: Importer,
): Promise<Array<{ source: SourceGroup; group: TargetGroup | undefined }>> {
  const have = await target.groups();
  const all: SourceGroup[] = [];
  for await (const group of ctx.options.source.groups()) all.push(group);
  const missing = all.filter((g) => !have.has(g.id));
  for (let i = 0; i < missing.length; i += GROUPS_PER_REQUEST) {
    const batch = missing.slice(i, i + GROUPS_PER_REQUEST);
    // Two groups of one name in a request would be refused together: the second goes one by one.
    const names = new Set<string>();
    const bulk = batch.filter((g) => !names.has(g.displayName) && names.add(g.displayName));
    const answer = await target.importGroups(bulk.map((g) => ({ name: g.displayName, sourceId: g.id })));
    for (const group of batch) {
      const outcome = bulk.includes(group) ? answer?.get(group.displayName) : undefined;
      if (outcome?.added) {
        have.set(group.id, { id: outcome.id, name: group.displayName, sourceId: group.id });
        ctx.record({ kind: "create-group", target: group.id });
        continue;
      }
      let made: TargetGroup | undefined;
      await ctx.write({ kind: "create-group", target: group.id }, async () => {
        made = await target.createGroup(group.displayName, group.id);
      });
      if (made) have.set(group.id, made);
    }
  }
  return all.map((source) => ({ source, group: have.get(source.id) }));
}

/**
 * Who is in which group, transitively (Keycloak's groups hold the flattened Entra nesting, groups.ts).
 * A group without a path to join it by at creation has its members joined in the groups phase instead.
 */
async function membershipIndex(
  ctx: RunContext,
  target: Importer,
  groups: Array<{ source: SourceGroup; group: TargetGroup | undefined }>,
): Promise<{ groupsOf: Map<string, number[]>; joinable: Joinable[] }> {
  const { source } = ctx.options;
  const groupsOf = new Map<string, number[]>();
  const joinable: Joinable[] = [];
  for (const { source: group, group: mirrored } of groups) {
    const path = mirrored && target.groupPath(mirrored);
    if (!path) continue;
    const index = joinable.push({ path, sourceId: group.id }) - 1;
    for await (const oid of source.groupUsers(group.id, true)) {
      const key = `${source.tenantId}:${oid.toLowerCase()}`;
      const list = groupsOf.get(key);
      if (list) list.push(index);
      else groupsOf.set(key, [index]);
    }
  }
  return { groupsOf, joinable };
}
