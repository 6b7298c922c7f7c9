/**
 * App roles, from Entra (the emulator's Graph `appRoleAssignedTo`) to client
 * roles of a Keycloak client (the real Keycloak): roles given to a user and
 * to a group (its direct members only, Entra's rule, docs/reference/entra-id.md §11.5), only
 * mapped roles touched, and only mirrored people ever losing one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mirror, readiness } from "../../../src/directory/index.js";
import { MemoryStateStore } from "../../../src/index.js";
import {
  type Directory,
  generatedDirectory,
  mirrorRealm,
  sourceOf,
  type TestRealm,
  targetOf,
} from "./support.js";

describe("app roles mirrored as Keycloak client roles", () => {
  let dir: Directory;
  let realm: TestRealm;
  let api: { clientId: string };
  const state = new MemoryStateStore();
  const key = (i: number) => `${dir.tenantId}:${dir.users[i]?.oid}`;

  beforeAll(async () => {
    // 30 users, 6 groups in chains g0 ⊃ g1 ⊃ g2 and g3 ⊃ g4 ⊃ g5; user i is a direct member of g(i mod 6).
    dir = await generatedDirectory(30, 6);
    realm = await mirrorRealm();
    api = dir.entra.addApp({
      tenantId: dir.tenantId,
      displayName: "case-files",
      appRoles: ["Case.Read", "Case.Write", "Case.Audit"],
    });
    dir.entra.assignAppRole(dir.groups[0]?.id ?? "", api.clientId, "Case.Read");
    dir.entra.assignAppRole(dir.users[1]?.oid ?? "", api.clientId, "Case.Write");
    dir.entra.assignAppRole(dir.users[2]?.oid ?? "", api.clientId, "Case.Write");
    dir.entra.assignAppRole(dir.users[3]?.oid ?? "", api.clientId, "Case.Audit"); // not mapped
  });
  afterAll(async () => {
    await realm?.delete();
    await dir?.entra.close();
  });

  const mapping = () => [
    {
      appId: api.clientId,
      client: "app",
      roles: {
        [dir.entra.appRoleId(api.clientId, "Case.Read")]: "case-reader",
        [dir.entra.appRoleId(api.clientId, "Case.Write")]: "case-writer",
      },
    },
  ];
  const run = () =>
    mirror({ source: sourceOf(dir), target: targetOf(realm), state, policy: "propagate", roles: mapping() });
  const rolesDiffer = async () =>
    (await readiness({ source: sourceOf(dir), target: targetOf(realm), roles: mapping() })).gaps
      .filter((gap) => gap.problems.includes("roles-differ"))
      .map((gap) => gap.key)
      .sort();

  async function holders(role: string): Promise<string[]> {
    const target = targetOf(realm);
    const client = await target.clientUuid("app");
    const keys: string[] = [];
    for await (const user of target.roleMembers(client, role)) keys.push(user.key ?? `(no key) ${user.id}`);
    return keys.sort();
  }

  async function clientRoles(): Promise<string[]> {
    const target = targetOf(realm);
    const roles = await target.http.get<Array<{ name: string }>>(
      `/clients/${await target.clientUuid("app")}/roles`,
    );
    return roles.map((r) => r.name).sort();
  }

  it("creates the mapped roles only and grants them: a group's role reaches its direct members, not nested ones", async () => {
    const result = await run().apply();
    expect(result.status).toBe("done");
    expect(result.counts["create-role"]).toBe(2);
    expect(await clientRoles()).toEqual(expect.arrayContaining(["case-reader", "case-writer"]));
    expect(await clientRoles()).not.toContain("Case.Audit");
    // g0's direct members are users 0, 6, 12, 18, 24; users of g1 and g2 sit below it and are not reached.
    expect(await holders("case-reader")).toEqual([0, 6, 12, 18, 24].map(key).sort());
    expect(await holders("case-writer")).toEqual([key(1), key(2)].sort());
    expect(result.counts["grant-role"]).toBe(7);
  });

  it("a second run writes nothing, and readiness finds everyone's roles the same", async () => {
    expect((await run().apply()).writes).toBe(0);
    expect(await rolesDiffer()).toEqual([]);
  });

  it("assignments taken back at Entra are revoked; a role granted by hand to a non-mirrored user stays", async () => {
    const target = targetOf(realm);
    const client = await target.clientUuid("app");
    const local = await realm.admin.createUser({ username: "local-auditor", password: `pw-${Date.now()}` });
    const reader = await target.clientRole(client, "case-reader", true);
    await target.grantRole(local, client, reader ?? {});

    dir.entra.unassignAppRole(dir.users[2]?.oid ?? "", api.clientId, "Case.Write");
    dir.entra.removeMember(dir.groups[0]?.id ?? "", dir.users[6]?.oid ?? "");
    // Before the mirror catches up, readiness names exactly the two people whose rights differ.
    expect(await rolesDiffer()).toEqual([key(2), key(6)].sort());
    const result = await run().apply();
    expect(result.counts["revoke-role"]).toBe(2);
    expect(result.counts["grant-role"]).toBe(0);
    expect(await holders("case-writer")).toEqual([key(1)]);
    expect(await holders("case-reader")).toEqual([...[0, 12, 18, 24].map(key), `(no key) ${local}`].sort());
    expect(await rolesDiffer()).toEqual([]);
  });
});
