/**
 * The mirror's first full round in bulk (Keycloak's partial import), against
 * the real Keycloak: a few requests per page instead of three per person, the
 * same people, keys and groups as one by one, and the cases the bulk path
 * must hand to the one-by-one path — a username or e-mail taken, a person the
 * realm holds under an older username, an import (of people, of groups) whose answer was lost.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mirror } from "../../../src/directory/index.js";
import { MemoryStateStore } from "../../../src/index.js";
import { keycloakUrl } from "../../support/keycloak-env.js";
import { failingProxy } from "./proxy.js";
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
const GROUPS = 12;

let dir: Directory;
let realm: TestRealm;
beforeEach(async () => {
  dir = await generatedDirectory(USERS, GROUPS);
  realm = await mirrorRealm();
});
afterEach(async () => {
  await realm?.delete();
  await dir?.entra.close();
});

const keyOf = (oid: string) => `${dir.tenantId}:${oid}`;
/** A run with no checkpoint: a full round, the bulk path. */
const fromScratch = (target: ReturnType<typeof targetOf>) =>
  mirror({ source: sourceOf(dir), target, state: new MemoryStateStore(), policy: "propagate" });

describe("the first full round in bulk", () => {
  it("creates everyone with their key and flattened groups in under 0.5 Keycloak calls per person", async () => {
    const target = targetOf(realm);
    const result = await fromScratch(target).apply();
    expect(result.status).toBe("done");
    expect(result.counts["create-user"]).toBe(USERS);
    expect(result.counts["create-group"]).toBe(GROUPS);
    expect(result.counts["join-group"]).toBe(dir.users.reduce((n, u) => n + u.groups.length, 0));
    // One by one this is ~3 calls per person (lookup, create, join); in bulk a handful per page.
    expect(target.http.calls / USERS).toBeLessThan(0.5);

    const users = await realmUsers(realm);
    expect(users).toHaveLength(USERS);
    expect(new Set(users.map((u) => u.key))).toEqual(new Set(dir.users.map((u) => keyOf(u.oid))));
    // Everyone sits in exactly their group and the groups above it, joined at creation.
    const groupIds = await target.groups();
    for (const user of users) {
      const source = dir.users.find((u) => keyOf(u.oid) === user.key);
      const want = (source?.groups ?? []).map((g) => groupIds.get(g)?.id).sort();
      expect((await target.userGroups(user.id)).sort()).toEqual(want);
    }
    const again = await fromScratch(target).apply();
    expect(again.writes).toBe(0); // a from-scratch full round over the result finds nothing to do
  });

  it("a username or e-mail address already taken goes one by one and is reported, the rest is imported", async () => {
    // Two people sharing an e-mail address: Keycloak refuses a batch holding both (HTTP 500, nothing written).
    const twins = ["twin-a", "twin-b"].map((name) =>
      dir.entra.addUser({
        tenantId: dir.tenantId,
        userPrincipalName: `${name}@contoso.example`,
        password: "pw",
        mail: "twins@contoso.example",
        givenName: "Twin",
        surname: name,
      }),
    );
    // Someone an administrator made by hand in Keycloak holds a username the source also uses.
    const clash = dir.entra.addUser({
      tenantId: dir.tenantId,
      userPrincipalName: "taken@contoso.example",
      password: "pw",
      givenName: "Source",
      surname: "Person",
    });
    const target = targetOf(realm);
    const made = await target.http.call("POST", "/users", {
      username: "taken@contoso.example",
      firstName: "Hand",
      lastName: "Made",
      enabled: true,
    });
    expect(made.status).toBe(201);

    const result = await fromScratch(target).apply();
    expect(result.status).toBe("done");
    expect(result.counts["create-user"]).toBe(USERS + 1); // everyone but the clash and one twin
    const diverged = result.divergences.map((d) => d.key).sort();
    expect(diverged).toHaveLength(2);
    expect(diverged).toContain(keyOf(clash.oid));
    expect(twins.map((t) => keyOf(t.oid)).filter((k) => diverged.includes(k))).toHaveLength(1);
    const users = await realmUsers(realm);
    expect(users.find((u) => u.username === "taken@contoso.example")?.key).toBeUndefined(); // never claimed
    expect(users.filter((u) => u.key !== undefined)).toHaveLength(USERS + 1);
  });

  it("a person the realm holds under an older username is found by key, never imported a second time", async () => {
    const target = targetOf(realm);
    await fromScratch(target).apply();
    // Renamed at the source since: the realm's copy still has the old username, the source lists the new one.
    const ada = dir.users[0] as Directory["users"][number];
    const copy = (await realmUsers(realm)).find((u) => u.key === keyOf(ada.oid));
    expect((await target.http.call("DELETE", `/users/${copy?.id}`)).status).toBe(204);
    const fields = { email: undefined, emailVerified: false, firstName: "Ada", lastName: "L", enabled: true };
    await target.createUser(keyOf(ada.oid), { ...fields, username: "before-rename@contoso.example" }, []);

    // A from-scratch full round (a lost checkpoint, a resync) goes through the bulk path again.
    const result = await fromScratch(target).apply();
    expect(result.status).toBe("done");
    expect(result.counts["create-user"]).toBe(0);
    const users = await realmUsers(realm);
    expect(users.filter((u) => u.key === keyOf(ada.oid))).toHaveLength(1);
    expect(users).toHaveLength(USERS);
  });

  it("an import Keycloak made but whose answer was lost is not made twice", async () => {
    const proxy = await failingProxy(keycloakUrl());
    try {
      // The second partial import: the first one makes the groups.
      let imports = 0;
      proxy.loseAnswer(
        (method, path) => method === "POST" && path.endsWith("/partialImport") && ++imports === 2,
      );
      const target = targetOf(realm, { url: proxy.url });
      const result = await fromScratch(target).apply();
      expect(result.status).toBe("done");
      expect(proxy.lost).toBe(1);
      const users = await realmUsers(realm);
      expect(users).toHaveLength(USERS);
      expect(new Set(users.map((u) => u.key)).size).toBe(USERS);
      expect(result.divergences).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("a groups import Keycloak made but whose answer was lost makes no second group", async () => {
    const proxy = await failingProxy(keycloakUrl());
    try {
      proxy.loseAnswer((method, path) => method === "POST" && path.endsWith("/partialImport"));
      const target = targetOf(realm, { url: proxy.url });
      const result = await fromScratch(target).apply();
      expect(result.status).toBe("done");
      expect(proxy.lost).toBe(1);
      // Sent again, the import finds every name taken; each one is this very group, not a clash to rename around.
      const groups = await targetOf(realm).groups();
      expect(groups.size).toBe(GROUPS);
      expect([...groups.values()].filter((g) => g.name.includes("("))).toEqual([]);
      expect(result.counts["create-group"]).toBe(GROUPS);
      expect(result.counts["join-group"]).toBe(dir.users.reduce((n, u) => n + u.groups.length, 0));
    } finally {
      await proxy.close();
    }
  });
});
