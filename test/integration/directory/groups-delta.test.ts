/**
 * The groups phase on Graph's groups delta (`/groups/delta` with `members@delta`), against the real Keycloak:
 * a rerun over an unchanged directory asks Keycloak nothing about groups; a change in a nested group reaches
 * every Keycloak group above it (Keycloak holds transitive members); removals, renames, new and deleted groups,
 * people deleted at Entra (Graph does not report their memberships as group changes), a plan that moves no
 * link, a run that fails mid-phase, and a lost link (410) each converge.
 *
 * 60 users, 6 groups in chains g0 ⊃ g1 ⊃ g2 and g3 ⊃ g4 ⊃ g5; user i is a direct member of g(i mod 6).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeycloakTarget, mirror } from "../../../src/directory/index.js";
import { MemoryStateStore } from "../../../src/index.js";
import {
  type Directory,
  generatedDirectory,
  mirrorRealm,
  sourceOf,
  type TestRealm,
  targetOf,
} from "./support.js";

const USERS = 60;
const GROUPS = 6;

let dir: Directory;
let realm: TestRealm;
let newcomers: string;
const state = new MemoryStateStore();

/** `real` with some members replaced: a source or target that behaves differently in one respect. */
function replacing<T extends object>(real: T, replaced: Record<string, unknown>): T {
  return new Proxy(real, {
    get(target, property) {
      if (typeof property === "string" && property in replaced) return replaced[property];
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A target whose Keycloak Admin API calls are listed (method and path, token requests left out). */
function countedTarget() {
  const calls: string[] = [];
  const counting: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!url.pathname.endsWith("/protocol/openid-connect/token")) {
      calls.push(`${init?.method ?? "GET"} ${url.pathname}${url.search}`);
    }
    return fetch(input, init);
  };
  return { target: targetOf(realm, { runtime: { fetch: counting } }), calls };
}

const run = (target: KeycloakTarget = targetOf(realm), source = sourceOf(dir)) =>
  mirror({ source, target, state, policy: "propagate", concurrency: 4 });

/** Keycloak calls about groups: the realm's groups, a group's members, a person's groups. */
const groupCalls = (calls: readonly string[]) => calls.filter((c) => /\/groups(\/|\?|$)/.test(c));
const g = (i: number) => dir.groups[i]?.id ?? "";
const oid = (i: number) => dir.users[i]?.oid ?? "";

/** The Entra ids of the Keycloak groups user i is in. */
async function keycloakGroupsOf(i: number): Promise<string[]> {
  const target = targetOf(realm);
  const user = await target.findUser(`${dir.tenantId}:${oid(i)}`);
  if (!user) throw new Error(`user ${i} is not mirrored`);
  const bySource = await target.groups();
  const sourceOf = new Map([...bySource.values()].map((group) => [group.id, group.sourceId]));
  return (await target.userGroups(user.id)).map((id) => sourceOf.get(id) ?? `unmirrored:${id}`).sort();
}

/** The Keycloak group member listings a run read, as Entra group ids. */
async function comparedGroups(calls: readonly string[]): Promise<string[]> {
  const bySource = await targetOf(realm).groups();
  const sourceOf = new Map([...bySource.values()].map((group) => [group.id, group.sourceId]));
  return calls
    .map((c) => /^GET \/admin\/realms\/[^/]+\/groups\/([^/]+)\/members\?first=0/.exec(c)?.[1])
    .filter((id): id is string => id !== undefined)
    .map((id) => sourceOf.get(id) ?? id)
    .sort();
}

beforeAll(async () => {
  dir = await generatedDirectory(USERS, GROUPS);
  realm = await mirrorRealm();
});
afterAll(async () => {
  await realm?.delete();
  await dir?.entra.close();
});

describe("the groups phase reads only what changed", () => {
  it("the first run compares every group and flattens the nesting", async () => {
    const { target, calls } = countedTarget();
    const result = await run(target).apply();
    expect(result.counts["create-group"]).toBe(GROUPS);
    expect(result.counts["join-group"]).toBe(dir.users.reduce((n, u) => n + u.groups.length, 0));
    expect(await comparedGroups(calls)).toEqual(dir.groups.map((group) => group.id).sort());
    expect(await keycloakGroupsOf(2)).toEqual([g(0), g(1), g(2)].sort());
  });

  it("a rerun over an unchanged directory makes no Keycloak group call (comparing every group made one per group)", async () => {
    const { target, calls } = countedTarget();
    const result = await run(target).apply();
    expect(result.writes).toBe(0);
    expect(groupCalls(calls)).toEqual([]);
    // Nor does it look anyone up by key.
    expect(calls.filter((c) => c.includes("/users?"))).toEqual([]);

    // The same rerun on a source that cannot say what changed compares every group: the count above is real.
    const { target: full, calls: fullCalls } = countedTarget();
    const everyGroup = replacing(sourceOf(dir), { groupPages: undefined });
    expect((await run(full, everyGroup).apply()).writes).toBe(0);
    expect(await comparedGroups(fullCalls)).toEqual(dir.groups.map((group) => group.id).sort());
  });

  it("a person added to a nested group joins every Keycloak group above it; only those groups are compared", async () => {
    // user 3 is in g3 only; g2 sits in g1, which sits in g0.
    dir.entra.addMember(g(2), oid(3));
    const { target, calls } = countedTarget();
    const result = await run(target).apply();
    expect(result.counts["join-group"]).toBe(3);
    expect(result.writes).toBe(3);
    expect(await keycloakGroupsOf(3)).toEqual([g(0), g(1), g(2), g(3)].sort());
    expect(await comparedGroups(calls)).toEqual([g(0), g(1), g(2)].sort());
  });

  it("a member removed at the source leaves the group and the groups above it", async () => {
    dir.entra.removeMember(g(2), oid(3));
    const result = await run().apply();
    expect(result.counts["leave-group"]).toBe(3);
    expect(result.writes).toBe(3);
    expect(await keycloakGroupsOf(3)).toEqual([g(3)]);
  });

  it("a renamed group keeps its one Keycloak group and its members; a new group is created with its members", async () => {
    const before = (await targetOf(realm).groups()).get(g(4));
    dir.entra.renameGroup(g(4), "Team four, renamed");
    newcomers = dir.entra.addGroup({ tenantId: dir.tenantId, displayName: "Newcomers" }).id;
    dir.entra.addMember(newcomers, oid(7));
    dir.entra.addMember(newcomers, oid(8));
    const { target, calls } = countedTarget();
    const result = await run(target).apply();
    expect(result.counts["create-group"]).toBe(1);
    expect(result.counts["rename-group"]).toBe(1);
    expect(result.counts["join-group"]).toBe(2);
    expect(result.writes).toBe(4);
    const after = await targetOf(realm).groups();
    expect(after.size).toBe(GROUPS + 1);
    // Groups are matched on the Entra id, never on the name: the renamed one is the same Keycloak group, renamed
    // (tokens carry group names).
    expect(after.get(g(4))?.id).toBe(before?.id);
    expect(after.get(g(4))?.name).toBe("Team four, renamed");
    expect(after.get(newcomers)?.name).toBe("Newcomers");
    expect(await comparedGroups(calls)).toEqual([g(4), newcomers].sort());
    expect(await keycloakGroupsOf(4)).toEqual([g(3), g(4)].sort());
    expect(await keycloakGroupsOf(7)).toEqual([g(0), g(1), newcomers].sort());
  });

  it("a person deleted at Entra leaves their Keycloak groups (no group change reports it); restored, they come back", async () => {
    // user 5 is in g5 ⊂ g4 ⊂ g3. Graph drops a deleted user's memberships without listing the groups in the delta.
    dir.entra.setUserState(oid(5), "deleted");
    const gone = await run().apply();
    expect(gone.counts["disable-user"]).toBe(1);
    expect(gone.counts["leave-group"]).toBe(3);
    expect(await keycloakGroupsOf(5)).toEqual([]);
    dir.entra.setUserState(oid(5), "active");
    const back = await run().apply();
    expect(back.counts["enable-user"]).toBe(1);
    expect(back.counts["join-group"]).toBe(3);
    expect(await keycloakGroupsOf(5)).toEqual([g(3), g(4), g(5)].sort());
  });

  it("a plan shows the change and moves no link; apply then makes it once", async () => {
    dir.entra.addMember(g(1), oid(0)); // user 0 is in g0; g1 is under g0
    const first = await run().plan();
    expect(first.actions.filter((a) => a.kind.endsWith("-group"))).toEqual([
      { kind: "join-group", key: `${dir.tenantId}:${oid(0)}`, target: g(1) },
    ]);
    const again = await run().plan();
    expect(again.actions).toEqual(first.actions);
    expect((await run().apply()).counts["join-group"]).toBe(1);
    expect((await run().apply()).writes).toBe(0);
    expect(await keycloakGroupsOf(0)).toEqual([g(0), g(1)].sort());
  });

  it("a run that fails in the middle of the groups phase leaves the link where it was: the next run converges", async () => {
    dir.entra.addMember(g(2), oid(6)); // user 6 is in g0: joins g2 and g1
    const real = targetOf(realm);
    let joins = 0;
    const failing = replacing(real, {
      joinGroup: async (userId: string, groupId: string) => {
        if (++joins === 2) throw new Error("killed mid-phase");
        return real.joinGroup(userId, groupId);
      },
    });
    await expect(run(failing).apply()).rejects.toThrow("killed mid-phase");
    expect(joins).toBe(2);
    const result = await run().apply();
    expect(result.counts["join-group"]).toBe(1); // the one the failed run did not make
    expect(await keycloakGroupsOf(6)).toEqual([g(0), g(1), g(2)].sort());
    expect((await run().apply()).writes).toBe(0);
  });

  it("a group deleted at Entra: its Keycloak group is left as it is, the groups above it lose its members", async () => {
    // g5's direct members: users 5, 11, …, 59 (10 people), each also in g4 and g3 through it.
    const members = dir.users.filter((_, i) => i % GROUPS === 5).length;
    const kept = (await targetOf(realm).groups()).get(g(5));
    dir.entra.deleteGroup(g(5));
    const result = await run().apply();
    expect(result.counts["leave-group"]).toBe(2 * members);
    expect(result.counts["create-group"]).toBe(0);
    expect((await targetOf(realm).groups()).get(g(5))?.id).toBe(kept?.id);
    expect(await keycloakGroupsOf(11)).toEqual([g(5)]); // only the group the mirror leaves alone
    expect((await run().apply()).writes).toBe(0);
  });

  it("a lost link (410 Gone) compares every group once, then reruns are quiet again", async () => {
    dir.entra.resetGraphDelta();
    dir.entra.removeMember(g(1), oid(0)); // made while the link is lost
    const { target, calls } = countedTarget();
    const result = await run(target).apply();
    expect(result.counts["leave-group"]).toBe(1);
    expect(result.writes).toBe(1);
    // Every group the source lists (g5 is deleted there), once.
    expect(await comparedGroups(calls)).toEqual([g(0), g(1), g(2), g(3), g(4), newcomers].sort());
    expect(await keycloakGroupsOf(0)).toEqual([g(0)]);
    const { target: quiet, calls: quietCalls } = countedTarget();
    expect((await run(quiet).apply()).writes).toBe(0);
    expect(groupCalls(quietCalls)).toEqual([]);
  });
});
