// Graph delta queries on users (docs/reference/entra-id.md §11.3): rounds, deltaLinks, @removed, restores,
// $select deciding which changes count, "latest", the 410 resync and the seven-day token life.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addGraphClient, allPages, expectGraphError, graphGet, graphToken } from "./graph-world.js";
import { startWorld, type World } from "./world.js";

let world: World;
let token: string;
let now: number;

beforeEach(async () => {
  now = Date.now();
  world = await startWorld({
    graphDeltaPageSize: 2,
    now: () => now,
    accessTokenLifetimeSeconds: 30 * 86_400,
  });
  for (const name of ["grace", "edsger", "barbara"]) {
    world.entra.addUser({
      tenantId: world.tenant.id,
      userPrincipalName: `${name}@contoso.example`,
      password: "pw",
    });
  }
  token = await graphToken(world, addGraphClient(world).clientId);
});
afterEach(() => world.entra.close());

/** One whole round: pages until the deltaLink. */
async function round(path: string) {
  const { pages, items } = await allPages(world, token, path);
  const last = pages.at(-1)?.json;
  expect(pages.slice(0, -1).every((p) => p.json["@odata.nextLink"] && !p.json["@odata.deltaLink"])).toBe(
    true,
  );
  expect(last).not.toHaveProperty("@odata.nextLink");
  const deltaLink: string = last["@odata.deltaLink"];
  expect(new URL(deltaLink).searchParams.get("$deltatoken")).toBeTruthy();
  return { pages, items, deltaLink };
}

const SELECT = "/users/delta?$select=displayName,accountEnabled";

describe("rounds", () => {
  it("the first round lists every user over nextLink pages and ends with a deltaLink", async () => {
    const first = await round(SELECT);
    expect(first.pages.map((p) => p.json.value.length)).toEqual([2, 2]);
    expect(first.items.map((u) => Object.keys(u))).toEqual(
      Array(4).fill(["displayName", "accountEnabled", "id"]),
    );
    const next = await round(first.deltaLink);
    expect(next.items).toEqual([]); // nothing changed
  });

  it("a disable appears with accountEnabled false; a delete as @removed 'changed'; a restore without annotation", async () => {
    const [grace, edsger] = ["grace", "edsger"].map((n) =>
      world.entra.addUser({
        tenantId: world.tenant.id,
        userPrincipalName: `${n}2@contoso.example`,
        password: "pw",
      }),
    );
    const first = await round(SELECT);
    world.entra.setUserState(grace?.oid ?? "", "disabled");
    world.entra.setUserState(edsger?.oid ?? "", "deleted");
    const second = await round(first.deltaLink);
    expect(second.items).toEqual([
      { displayName: "grace2", accountEnabled: false, id: grace?.oid },
      { id: edsger?.oid, "@removed": { reason: "changed" } },
    ]);
    world.entra.setUserState(edsger?.oid ?? "", "active");
    const third = await round(second.deltaLink);
    expect(third.items).toEqual([{ displayName: "edsger2", accountEnabled: true, id: edsger?.oid }]);
  });

  it("$select decides which changes count: without accountEnabled a disable does not show", async () => {
    const first = await round("/users/delta?$select=displayName");
    world.entra.setUserState(world.user.oid, "disabled");
    expect((await round(first.deltaLink)).items).toEqual([]);
    const added = world.entra.addUser({
      tenantId: world.tenant.id,
      userPrincipalName: "new@contoso.example",
      password: "pw",
    });
    expect((await round(first.deltaLink)).items).toEqual([{ displayName: "new", id: added.oid }]);
  });

  it("$deltatoken=latest returns only a deltaLink: sync from now", async () => {
    const latest = await graphGet(world, token, "/users/delta?$deltatoken=latest&$select=accountEnabled");
    expect(latest.json.value).toEqual([]);
    expect(latest.json).not.toHaveProperty("@odata.nextLink");
    world.entra.setUserState(world.user.oid, "disabled");
    const next = await round(latest.json["@odata.deltaLink"]);
    expect(next.items).toEqual([{ accountEnabled: false, id: world.user.oid }]);
  });

  it("$top is not allowed on delta", async () => {
    expect((await graphGet(world, token, "/users/delta?$top=5")).status).toBe(400);
  });
});

describe("when the token no longer works", () => {
  it("after a reset, 410 Gone with a Location whose $deltatoken is empty; following it is a full resync", async () => {
    const first = await round(SELECT);
    world.entra.resetGraphDelta();
    const gone = await graphGet(world, token, first.deltaLink);
    expect(gone.status).toBe(410);
    const location = gone.headers.get("location") ?? "";
    expect(new URL(location).pathname).toBe("/v1.0/users/delta");
    expect(new URL(location).searchParams.get("$deltatoken")).toBe("");
    const resync = await round(location);
    expect(resync.items.map((u) => u.id).sort()).toEqual(first.items.map((u) => u.id).sort());
  });

  it("after seven days: syncStateNotFound", async () => {
    const first = await round(SELECT);
    now += 7 * 86_400_000 + 1000;
    const expired = await graphGet(world, token, first.deltaLink);
    expect(expired.status).toBeGreaterThanOrEqual(400);
    expect(expired.status).toBeLessThan(500);
    expectGraphError(expect, expired, expired.status, "syncStateNotFound");
  });

  it("a delta token of another tenant is refused", async () => {
    const first = await round(SELECT);
    const other = world.entra.addTenant();
    const app = world.entra.addApp({ tenantId: other.id, secret: "mirror-secret" });
    world.entra.grantGraphPermissions(app.clientId, ["User.Read.All"]);
    const result = await fetch(first.deltaLink, {
      headers: { authorization: `Bearer ${await foreignToken(other.id, app.clientId)}` },
    });
    expect(result.status).toBe(400);
  });
});

async function foreignToken(tenantId: string, clientId: string): Promise<string> {
  const response = await fetch(`${world.entra.authority(tenantId)}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: "mirror-secret",
      scope: "https://graph.microsoft.com/.default",
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}
