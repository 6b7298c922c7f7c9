// Graph delta queries on groups (docs/reference/entra-id.md §11.8): `members@delta` in the first round and in
// later ones, large memberships split over repeated objects, renames, deleted groups, "latest", the 410 resync;
// and `/groups/{id}/transitiveMemberOf`, which tells a client the groups above a changed one.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { entraDirectory } from "../../../src/directory/index.js";
import { addGraphClient, allPages, expectGraphError, graphGet, graphToken } from "./graph-world.js";
import { startWorld, type World } from "./world.js";

let world: World;
let token: string;
let now: number;
let staff: string;
let team: string;
const people: string[] = [];

beforeEach(async () => {
  now = Date.now();
  world = await startWorld({
    graphDeltaPageSize: 2,
    graphDeltaMembersPerObject: 2,
    now: () => now,
    accessTokenLifetimeSeconds: 30 * 86_400,
  });
  people.length = 0;
  for (const name of ["grace", "edsger", "barbara"]) {
    const user = world.entra.addUser({
      tenantId: world.tenant.id,
      userPrincipalName: `${name}@contoso.example`,
      password: "pw",
    });
    people.push(user.oid);
  }
  staff = world.entra.addGroup({ tenantId: world.tenant.id, displayName: "Staff" }).id;
  team = world.entra.addGroup({ tenantId: world.tenant.id, displayName: "Team" }).id;
  world.entra.addMember(staff, team);
  for (const oid of people) world.entra.addMember(team, oid);
  token = await graphToken(world, addGraphClient(world).clientId);
});
afterEach(() => world.entra.close());

const SELECT = "/groups/delta?$select=displayName,members";
const user = (id: string) => ({ "@odata.type": "#microsoft.graph.user", id });
const group = (id: string) => ({ "@odata.type": "#microsoft.graph.group", id });

/** One whole round: pages until the deltaLink. */
async function round(path: string) {
  const { pages, items } = await allPages(world, token, path);
  const last = pages.at(-1)?.json;
  expect(pages.slice(0, -1).every((p) => p.json["@odata.nextLink"] && !p.json["@odata.deltaLink"])).toBe(
    true,
  );
  const next = pages.slice(0, -1).map((p) => new URL(p.json["@odata.nextLink"]).searchParams);
  expect(next.every((q) => q.get("$skiptoken"))).toBe(true);
  expect(last).not.toHaveProperty("@odata.nextLink");
  const deltaLink: string = last["@odata.deltaLink"];
  expect(new URL(deltaLink).searchParams.get("$deltatoken")).toBeTruthy();
  return { pages, items, deltaLink };
}

/** The items of this file's two groups (the world has a group of its own). */
// biome-ignore lint/suspicious/noExplicitAny: Graph JSON, inspected field by field
const ours = (items: any[]) => items.filter((item) => item.id === staff || item.id === team);

describe("the first round", () => {
  it("lists every group with all its direct members; a large membership is split over repeated objects", async () => {
    const first = await round(SELECT);
    expect(first.pages[0]?.json["@odata.context"]).toBe(
      `${world.entra.graphUrl}/v1.0/$metadata#groups(displayName,members)`,
    );
    // Team has three members and two fit in an object: Team comes twice, the same properties each time.
    expect(ours(first.items)).toEqual([
      { id: staff, displayName: "Staff", "members@delta": [group(team)] },
      { id: team, displayName: "Team", "members@delta": [user(people[0] ?? ""), user(people[1] ?? "")] },
      { id: team, displayName: "Team", "members@delta": [user(people[2] ?? "")] },
    ]);
    expect((await round(first.deltaLink)).items).toEqual([]); // nothing changed
  });

  it("without members in $select there is no members@delta", async () => {
    const first = await round("/groups/delta?$select=displayName");
    expect(ours(first.items)).toEqual([
      { id: staff, displayName: "Staff" },
      { id: team, displayName: "Team" },
    ]);
  });
});

describe("later rounds", () => {
  it("a membership change lists the group with only the changed members; a removed one is @removed 'deleted'", async () => {
    const first = await round(SELECT);
    const newcomer = world.entra.addUser({
      tenantId: world.tenant.id,
      userPrincipalName: "alan@contoso.example",
      password: "pw",
    });
    world.entra.addMember(team, newcomer.oid);
    world.entra.removeMember(team, people[0] ?? "");
    const second = await round(first.deltaLink);
    expect(second.items).toEqual([
      {
        id: team,
        displayName: "Team",
        "members@delta": [
          user(newcomer.oid),
          { ...user(people[0] ?? ""), "@removed": { reason: "deleted" } },
        ],
      },
    ]);
    // The group above Team has the same direct members as before: it is not listed.
    expect(second.items.some((item) => item.id === staff)).toBe(false);
    expect((await round(second.deltaLink)).items).toEqual([]);
  });

  it("a rename lists the group without members@delta; a new group comes whole", async () => {
    const first = await round(SELECT);
    world.entra.renameGroup(staff, "All staff");
    const created = world.entra.addGroup({ tenantId: world.tenant.id, displayName: "Newcomers" });
    world.entra.addMember(created.id, people[1] ?? "");
    const second = await round(first.deltaLink);
    expect(second.items).toEqual([
      { id: staff, displayName: "All staff" },
      { id: created.id, displayName: "Newcomers", "members@delta": [user(people[1] ?? "")] },
    ]);
  });

  it("a rename is not a change when displayName is not selected", async () => {
    const first = await round("/groups/delta?$select=members");
    world.entra.renameGroup(staff, "All staff");
    expect((await round(first.deltaLink)).items).toEqual([]);
  });

  it("a deleted security group is @removed 'deleted'; the groups that held it are not listed", async () => {
    const first = await round(SELECT);
    world.entra.deleteGroup(team);
    const second = await round(first.deltaLink);
    expect(second.items).toEqual([{ id: team, "@removed": { reason: "deleted" } }]);
    const unified = world.entra.addGroup({
      tenantId: world.tenant.id,
      displayName: "Unified",
      securityEnabled: false,
    });
    const third = await round(second.deltaLink);
    world.entra.deleteGroup(unified.id);
    expect((await round(third.deltaLink)).items).toEqual([
      { id: unified.id, "@removed": { reason: "changed" } },
    ]);
  });

  it("a user deleted at Entra leaves the group's listing but is not a membership change", async () => {
    const first = await round(SELECT);
    world.entra.setUserState(people[0] ?? "", "deleted");
    expect((await round(first.deltaLink)).items).toEqual([]);
    const members = await allPages(world, token, `/groups/${team}/members?$select=id`);
    expect(members.items.map((m) => m.id)).toEqual(people.slice(1));
  });

  it("$deltatoken=latest returns only a deltaLink: sync from now", async () => {
    const latest = await graphGet(world, token, `${SELECT}&$deltatoken=latest`);
    expect(latest.json.value).toEqual([]);
    world.entra.removeMember(team, people[2] ?? "");
    const next = await round(latest.json["@odata.deltaLink"]);
    expect(next.items).toEqual([
      {
        id: team,
        displayName: "Team",
        "members@delta": [{ ...user(people[2] ?? ""), "@removed": { reason: "deleted" } }],
      },
    ]);
  });

  it("$top is not allowed on delta", async () => {
    expect((await graphGet(world, token, "/groups/delta?$top=5")).status).toBe(400);
  });
});

describe("when the token no longer works", () => {
  it("after a reset, 410 Gone with a Location whose $deltatoken is empty; following it is a full resync", async () => {
    const first = await round(SELECT);
    world.entra.resetGraphDelta();
    const gone = await graphGet(world, token, first.deltaLink);
    expect(gone.status).toBe(410);
    const location = gone.headers.get("location") ?? "";
    expect(new URL(location).pathname).toBe("/v1.0/groups/delta");
    expect(new URL(location).searchParams.get("$deltatoken")).toBe("");
    const resync = await round(location);
    expect(ours(resync.items).map((g) => g.id)).toEqual([staff, team]);
  });

  it("after seven days: syncStateNotFound", async () => {
    const first = await round(SELECT);
    now += 7 * 86_400_000 + 1000;
    const expired = await graphGet(world, token, first.deltaLink);
    expectGraphError(expect, expired, expired.status, "syncStateNotFound");
  });

  it("a users delta token is refused on groups", async () => {
    const users = await graphGet(world, token, "/users/delta?$deltatoken=latest");
    const foreign = new URL(users.json["@odata.deltaLink"]).searchParams.get("$deltatoken") ?? "";
    expect((await graphGet(world, token, `/groups/delta?$deltatoken=${foreign}`)).status).toBe(400);
  });
});

describe("/groups/{id}/transitiveMemberOf", () => {
  it("lists the groups above a group, through nesting; memberOf only the direct ones", async () => {
    const all = world.entra.addGroup({ tenantId: world.tenant.id, displayName: "Everyone" });
    world.entra.addMember(all.id, staff);
    const transitive = await allPages(
      world,
      token,
      `/groups/${team}/transitiveMemberOf/microsoft.graph.group?$select=id`,
    );
    expect(transitive.items.map((g) => g.id)).toEqual([staff, all.id]);
    expect(transitive.items.every((g) => g["@odata.type"] === "#microsoft.graph.group")).toBe(true);
    const direct = await allPages(world, token, `/groups/${team}/memberOf?$select=id`);
    expect(direct.items.map((g) => g.id)).toEqual([staff]);
    expectGraphError(
      expect,
      await graphGet(world, token, "/groups/not-a-group/transitiveMemberOf"),
      404,
      "Request_ResourceNotFound",
    );
  });
});

describe("entraDirectory() on the groups delta", () => {
  /** The delta methods of `entraDirectory()` (optional on a `DirectorySource`, always there on this one). */
  const source = () => {
    const app = addGraphClient(world);
    const directory = entraDirectory({
      tenantId: world.tenant.id,
      clientId: app.clientId,
      clientSecret: "mirror-secret",
      authority: world.entra.url,
      graphUrl: world.entra.graphUrl,
    });
    const { groupPages, userPresencePages, groupAncestors } = directory;
    if (!groupPages || !userPresencePages || !groupAncestors)
      throw new Error("entraDirectory() reads deltas");
    return {
      groupPages: groupPages.bind(directory),
      userPresencePages: userPresencePages.bind(directory),
      groupAncestors: groupAncestors.bind(directory),
    };
  };
  async function pages<T>(generator: AsyncGenerator<T>): Promise<T[]> {
    const all: T[] = [];
    for await (const page of generator) all.push(page);
    return all;
  }

  it("groupPages: a full round, then only what changed, with whether members changed; 410 starts a full round", async () => {
    const directory = source();
    const first = await pages(directory.groupPages(undefined));
    expect(first.every((p) => p.round === "full" && !p.restarted)).toBe(true);
    expect(first.map((p) => p.last)).toEqual([...first.slice(1).map(() => false), true]);
    const team1 = first.flatMap((p) => p.changes).filter((c) => c.id === team);
    expect(team1).toEqual([
      { id: team, displayName: "Team", removed: false, membersChanged: true },
      { id: team, displayName: "Team", removed: false, membersChanged: true },
    ]);
    const link = { link: first.at(-1)?.resumeAt ?? "", round: "delta" as const };

    world.entra.removeMember(team, people[0] ?? "");
    world.entra.renameGroup(staff, "All staff");
    const other = world.entra.addGroup({ tenantId: world.tenant.id, displayName: "Other" });
    world.entra.deleteGroup(other.id);
    const second = await pages(directory.groupPages(link));
    expect(second.flatMap((p) => p.changes)).toEqual([
      { id: staff, displayName: "All staff", removed: false, membersChanged: false },
      { id: team, displayName: "Team", removed: false, membersChanged: true },
    ]);
    expect(second.every((p) => p.round === "delta")).toBe(true);

    world.entra.resetGraphDelta();
    const resync = await pages(directory.groupPages(link));
    expect(resync[0]).toMatchObject({ round: "full", restarted: true });
  });

  it("userPresencePages: starts now, then lists who was removed and who came back; groupAncestors follows nesting", async () => {
    const directory = source();
    const now = await pages(directory.userPresencePages(undefined));
    expect(now).toEqual([
      {
        appeared: [],
        removed: [],
        resumeAt: expect.stringContaining("$deltatoken="),
        last: true,
        restarted: false,
      },
    ]);
    world.entra.setUserState(people[1] ?? "", "deleted");
    world.entra.setUserState(people[2] ?? "", "disabled"); // not selected: not listed
    const gone = await pages(directory.userPresencePages(now[0]?.resumeAt));
    expect(gone.flatMap((p) => p.removed)).toEqual([people[1]]);
    expect(gone.flatMap((p) => p.appeared)).toEqual([]);
    world.entra.setUserState(people[1] ?? "", "active");
    const back = await pages(directory.userPresencePages(gone.at(-1)?.resumeAt));
    expect(back.flatMap((p) => p.appeared)).toEqual([people[1]]);

    const above: unknown[] = [];
    for await (const group of directory.groupAncestors(team)) above.push(group);
    expect(above).toEqual([{ id: staff, displayName: "Staff" }]);
  });
});
