/**
 * The mirror from the Entra emulator's Graph into the real Keycloak: a
 * generated directory (300 users, 30 groups nested three deep) mirrored, a
 * second run that writes nothing, a delta of 20 changes that writes only
 * those, removals under both policies, the brake, and readiness numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatReadiness, type MirrorResult, mirror, readiness } from "../../../src/directory/index.js";
import { MemoryStateStore } from "../../../src/index.js";
import {
  type Directory,
  generatedDirectory,
  mirrorRealm,
  realmUsers,
  sourceOf,
  type TestRealm,
  targetOf,
} from "./support.js";

const USERS = 300;
const GROUPS = 30;

let dir: Directory;
let realm: TestRealm;
const state = new MemoryStateStore();
const run = (extra: Record<string, unknown> = {}) =>
  mirror({
    source: sourceOf(dir),
    target: targetOf(realm),
    state,
    policy: "propagate",
    concurrency: 6,
    ...extra,
  });

const userWrites = (r: MirrorResult) =>
  r.counts["create-user"] + r.counts["update-user"] + r.counts["enable-user"] + r.counts["disable-user"];

beforeAll(async () => {
  dir = await generatedDirectory(USERS, GROUPS);
  realm = await mirrorRealm();
});
afterAll(async () => {
  await realm?.delete();
  await dir?.entra.close();
});

describe("a generated directory mirrored into Keycloak", () => {
  it("plan() lists every write as data and writes nothing", async () => {
    const plan = await run().plan();
    expect(plan.counts["create-user"]).toBe(USERS);
    expect(plan.counts["create-group"]).toBe(GROUPS);
    // The joins of people and groups the plan itself would create are counted too, as apply() makes them.
    expect(plan.counts["join-group"]).toBe(dir.users.reduce((n, u) => n + u.groups.length, 0));
    expect(plan.actions.filter((a) => a.kind === "declare-attribute")).toHaveLength(1);
    expect(plan.actions.filter((a) => a.kind === "ensure-mapper")).toEqual([
      { kind: "ensure-mapper", target: "app" },
    ]);
    expect(await realmUsers(realm)).toHaveLength(0);
  });

  it("the first run creates every user once, with its tid:oid key, groups flattened from the nesting", async () => {
    const result = await run().apply();
    expect(result).toMatchObject({ status: "done", round: "full" });
    expect(result.counts["create-user"]).toBe(USERS);
    expect(result.counts["create-group"]).toBe(GROUPS);
    // user i sits in group i mod 30; chains of three: depth 0 → 1 group, 1 → 2, 2 → 3 (10 users each)
    const expectedJoins = dir.users.reduce((n, u) => n + u.groups.length, 0);
    expect(result.counts["join-group"]).toBe(expectedJoins);
    const users = await realmUsers(realm);
    expect(users).toHaveLength(USERS);
    expect(new Set(users.map((u) => u.key)).size).toBe(USERS);
    expect(users.every((u) => u.key?.startsWith(`${dir.tenantId}:`))).toBe(true);
  });

  it("a second run writes nothing", async () => {
    const result = await run().apply();
    expect(result.round).toBe("delta");
    expect(result.writes).toBe(0);
  });

  it("a delta of 20 changes writes only those", async () => {
    for (const user of dir.users.slice(0, 10)) dir.entra.setUserState(user.oid, "disabled");
    const added = Array.from({ length: 10 }, (_, i) =>
      dir.entra.addUser({
        tenantId: dir.tenantId,
        userPrincipalName: `late${i}@contoso.example`,
        password: "pw",
        mail: `late${i}@contoso.example`,
        givenName: "Late",
        surname: `${i}`,
      }),
    );
    const plan = await run().plan();
    expect(plan.counts["create-user"]).toBe(10);
    const result = await run().apply();
    expect(result.round).toBe("delta");
    expect(result.counts["create-user"]).toBe(10);
    expect(result.counts["disable-user"]).toBe(10);
    expect(userWrites(result)).toBe(20);
    expect(result.writes).toBe(20);
    const users = await realmUsers(realm);
    expect(users).toHaveLength(USERS + 10);
    expect(
      users
        .filter((u) => !u.enabled)
        .map((u) => u.key)
        .sort(),
    ).toEqual(
      dir.users
        .slice(0, 10)
        .map((u) => `${dir.tenantId}:${u.oid}`)
        .sort(),
    );
    for (const user of added) dir.entra.setUserState(user.oid, "deleted");
    for (const user of dir.users.slice(0, 10)) dir.entra.setUserState(user.oid, "active");
  });

  it("@removed users are disabled under propagate, never deleted; re-enabled ones come back", async () => {
    const result = await run().apply();
    expect(result.counts["disable-user"]).toBe(10); // the 10 late users, @removed
    expect(result.counts["enable-user"]).toBe(10); // the 10 re-enabled at Entra
    const users = await realmUsers(realm);
    expect(users).toHaveLength(USERS + 10);
    expect(
      users
        .filter((u) => !u.enabled)
        .map((u) => u.username)
        .sort(),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `late${i}@contoso.example`).sort());
  });

  it("hold never disables: it reports each divergence", async () => {
    const victims = dir.users.slice(20, 23);
    for (const user of victims) dir.entra.setUserState(user.oid, "disabled");
    dir.entra.setUserState(dir.users[23]?.oid ?? "", "deleted");
    const result = await run({ policy: "hold" }).apply();
    expect(result.counts["disable-user"]).toBe(0);
    expect(result.divergences.map((d) => [d.key, d.reason]).sort()).toEqual(
      [
        ...victims.map((u) => [`${dir.tenantId}:${u.oid}`, "disabled-at-source"]),
        [`${dir.tenantId}:${dir.users[23]?.oid}`, "removed-at-source"],
      ].sort(),
    );
    expect((await realmUsers(realm)).filter((u) => !u.enabled)).toHaveLength(10);
    for (const user of [...victims, dir.users[23]]) dir.entra.setUserState(user?.oid ?? "", "active");
    await run({ policy: "hold" }).apply();
  });

  it("the mass-disable brake does not trip on 1 % and trips on 30 %, disabling nobody until confirmed", async () => {
    const few = dir.users.slice(30, 33); // 1 %
    for (const user of few) dir.entra.setUserState(user.oid, "disabled");
    const small = await run().apply();
    expect(small.status).toBe("done");
    expect(small.counts["disable-user"]).toBe(3);

    const many = dir.users.slice(100, 190); // 30 %
    for (const user of many) dir.entra.setUserState(user.oid, "disabled");
    const braked = await run().apply();
    expect(braked.status).toBe("braked");
    // population: 300 + 10 created − 10 removed − 1 removed (a restore is not counted back: the brake errs low)
    expect(braked.brake).toMatchObject({ disables: 90, population: USERS - 1, limit: 29 });
    expect(braked.counts["disable-user"]).toBe(0);
    expect((await realmUsers(realm)).filter((u) => !u.enabled)).toHaveLength(13);
    // Asking again without confirmation stops again: the queue is kept, not forgotten.
    expect((await run().apply()).status).toBe("braked");
    const confirmed = await run().apply({ confirmDisables: true });
    expect(confirmed).toMatchObject({ status: "done" });
    expect(confirmed.counts["disable-user"]).toBe(90);
    for (const user of [...few, ...many]) dir.entra.setUserState(user.oid, "active");
    expect((await run().apply()).counts["enable-user"]).toBe(93);
  });

  it("readiness: every mirrored user exists and is enabled, none has a credential yet (no password is copied)", async () => {
    const report = await readiness({ source: sourceOf(dir), target: targetOf(realm) });
    expect(report.totals.users).toBe(USERS);
    expect(report.totals.missing).toBe(0);
    expect(report.totals.disabled).toBe(0);
    expect(report.totals["groups-differ"]).toBe(0);
    expect(report.totals["email-unverified"]).toBe(0);
    expect(report.totals["no-credential"]).toBe(USERS);
    expect(report.totals.ready).toBe(0);
    const table = formatReadiness(report);
    expect(table).toContain("no credential yet");
    expect(JSON.parse(JSON.stringify(report)).totals.users).toBe(USERS);
  });
});
