// The emulator's Microsoft Graph (docs/reference/entra-id.md §11): tokens and permissions, users and $select,
// paging, groups and (transitive) members, app role assignments, throttling and $batch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addGraphClient,
  allPages,
  expectGraphError,
  graphGet,
  graphPost,
  graphToken,
  MIRROR_PERMISSIONS,
} from "./graph-world.js";
import { claimsOf, codeFlow, postForm, startWorld, tokenUrl, type World } from "./world.js";

let world: World;
let token: string;

beforeAll(async () => {
  world = await startWorld();
  token = await graphToken(world, addGraphClient(world).clientId);
});
afterAll(() => world.entra.close());

describe("tokens and permissions (§5.6, §11.1, §11.7)", () => {
  it("client credentials for https://graph.microsoft.com/.default: a Graph-format app token with the granted roles", async () => {
    const { header, claims } = claimsOf(token);
    expect(header).toHaveProperty("nonce"); // §5.6: not verifiable by third parties
    expect(claims).toMatchObject({ aud: "https://graph.microsoft.com", idtyp: "app", ver: "1.0" });
    expect([...(claims.roles as string[])].sort()).toEqual([...MIRROR_PERMISSIONS].sort());
  });

  it("no token: 401 InvalidAuthenticationToken 'Access token is empty.', innerError with the request's ids", async () => {
    const clientRequestId = "0b6a8a45-4a4c-4d5b-9f0e-1c2d3e4f5a6b";
    const result = await graphGet(world, undefined, "/users", { "client-request-id": clientRequestId });
    const error = expectGraphError(expect, result, 401, "InvalidAuthenticationToken");
    expect(error.message).toBe("Access token is empty.");
    expect(error.innerError["client-request-id"]).toBe(clientRequestId);
  });

  it("a token for another API: 401 'Invalid audience.'", async () => {
    const other = await postForm(tokenUrl(world), {
      grant_type: "client_credentials",
      client_id: world.daemon.clientId,
      client_secret: "daemon-secret",
      scope: `${world.apiV2.identifierUri}/.default`,
    });
    const result = await graphGet(world, other.json.access_token, "/users");
    expect(expectGraphError(expect, result, 401, "InvalidAuthenticationToken").message).toBe(
      "Access token validation failure. Invalid audience.",
    );
  });

  it("a tampered token is refused: the nonce-hashed signature really is checked", async () => {
    const [head, body, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(body ?? "", "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ["Directory.ReadWrite.All"] })).toString(
      "base64url",
    );
    const result = await graphGet(world, `${head}.${forged}.${signature}`, "/users");
    expectGraphError(expect, result, 401, "InvalidAuthenticationToken");
  });

  it("an expired token: 401 'Access token has expired or is not yet valid.'", async () => {
    let now = Date.now();
    const w = await startWorld({ now: () => now, accessTokenLifetimeSeconds: 600 });
    try {
      const expiring = await graphToken(w, addGraphClient(w).clientId);
      expect((await graphGet(w, expiring, "/users")).status).toBe(200);
      now += 601_000;
      const result = await graphGet(w, expiring, "/users");
      expect(expectGraphError(expect, result, 401, "InvalidAuthenticationToken").message).toBe(
        "Access token has expired or is not yet valid.",
      );
    } finally {
      await w.entra.close();
    }
  });

  it("a missing permission: 403 Authorization_RequestDenied; each area needs its own", async () => {
    const none = await graphToken(world, addGraphClient(world, []).clientId);
    expectGraphError(expect, await graphGet(world, none, "/users"), 403, "Authorization_RequestDenied");
    const usersOnly = await graphToken(world, addGraphClient(world, ["User.Read.All"]).clientId);
    expect((await graphGet(world, usersOnly, "/users")).status).toBe(200);
    expectGraphError(expect, await graphGet(world, usersOnly, "/groups"), 403, "Authorization_RequestDenied");
    const directory = await graphToken(world, addGraphClient(world, ["Directory.Read.All"]).clientId);
    expect((await graphGet(world, directory, "/groups")).status).toBe(200);
  });
});

describe("users (§11.1)", () => {
  it("the default property set, in Graph's order, without accountEnabled", async () => {
    const result = await graphGet(world, token, `/users/${world.user.oid}`);
    expect(result.status).toBe(200);
    const { "@odata.context": context, ...user } = result.json;
    expect(context).toBe(`${world.entra.graphUrl}/v1.0/$metadata#users/$entity`);
    expect(Object.keys(user)).toEqual([
      "businessPhones",
      "displayName",
      "givenName",
      "jobTitle",
      "mail",
      "mobilePhone",
      "officeLocation",
      "preferredLanguage",
      "surname",
      "userPrincipalName",
      "id",
    ]);
    expect(user).toMatchObject({
      id: world.user.oid,
      userPrincipalName: "ada@contoso.example",
      surname: "Lovelace",
    });
    expect(result.headers.get("x-ms-resource-unit")).toBe("1");
  });

  it("accountEnabled only on $select, and it follows the user state machine", async () => {
    const w = await startWorld();
    try {
      const t = await graphToken(w, addGraphClient(w).clientId);
      const select = "/users?$select=id,accountEnabled";
      const before = await graphGet(w, t, select);
      expect(before.json["@odata.context"]).toBe(
        `${w.entra.graphUrl}/v1.0/$metadata#users(id,accountEnabled)`,
      );
      expect(before.json.value).toEqual([{ id: w.user.oid, accountEnabled: true }]);
      expect(before.headers.get("x-ms-resource-unit")).toBe("1"); // 2, −1 for $select (§11.6)
      w.entra.setUserState(w.user.oid, "locked"); // a lockout is not an admin disable
      expect((await graphGet(w, t, select)).json.value).toEqual([{ id: w.user.oid, accountEnabled: true }]);
      w.entra.setUserState(w.user.oid, "disabled");
      expect((await graphGet(w, t, select)).json.value).toEqual([{ id: w.user.oid, accountEnabled: false }]);
      w.entra.setUserState(w.user.oid, "deleted");
      expect((await graphGet(w, t, select)).json.value).toEqual([]);
      const gone = await graphGet(w, t, `/users/${w.user.oid}`);
      expect(expectGraphError(expect, gone, 404, "Request_ResourceNotFound").message).toBe(
        `Resource '${w.user.oid}' does not exist or one of its queried reference-property objects are not present.`,
      );
    } finally {
      await w.entra.close();
    }
  });

  it("an unknown $select property is a 400", async () => {
    const result = await graphGet(world, token, "/users?$select=id,favouriteColour");
    expect(result.status).toBe(400);
    expect(result.json.error.message).toContain("favouriteColour");
  });
});

describe("paging (§11.1, §11.2)", () => {
  it("$top pages with opaque $skiptoken nextLinks that keep the query options", async () => {
    const w = await startWorld();
    try {
      for (let i = 0; i < 6; i++) {
        w.entra.addUser({
          tenantId: w.tenant.id,
          userPrincipalName: `p${i}@contoso.example`,
          password: "pw",
        });
      }
      const t = await graphToken(w, addGraphClient(w).clientId);
      const { pages, items } = await allPages(w, t, "/users?$select=id,userPrincipalName&$top=3");
      expect(pages.map((p) => p.json.value.length)).toEqual([3, 3, 1]);
      const next = new URL(pages[0]?.json["@odata.nextLink"]);
      expect(next.searchParams.get("$select")).toBe("id,userPrincipalName");
      expect(next.searchParams.get("$top")).toBe("3");
      expect(next.searchParams.get("$skiptoken")).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(pages.at(-1)?.json).not.toHaveProperty("@odata.nextLink");
      expect(new Set(items.map((u) => u.id)).size).toBe(7);
      expect(Object.keys(items[0])).toEqual(["id", "userPrincipalName"]);
    } finally {
      await w.entra.close();
    }
  });

  it("$top outside 1–999 and $skip are refused", async () => {
    const big = await graphGet(world, token, "/users?$top=1000");
    expect(big.status).toBe(400);
    expect(big.json.error.message).toBe(
      "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
    );
    expect((await graphGet(world, token, "/users?$skip=10")).status).toBe(400);
  });

  it("an unknown $skiptoken is a 400, not a fresh listing", async () => {
    expect((await graphGet(world, token, "/users?$skiptoken=made-up")).status).toBe(400);
  });
});

describe("groups and members (§11.4)", () => {
  it("direct and transitive members, memberOf and transitiveMemberOf, getMemberGroups", async () => {
    const w = await startWorld();
    try {
      const t = await graphToken(w, addGraphClient(w).clientId);
      const team = w.entra.addGroup({ tenantId: w.tenant.id, displayName: "Team" });
      const dept = w.entra.addGroup({ tenantId: w.tenant.id, displayName: "Department" });
      const list = w.entra.addGroup({ tenantId: w.tenant.id, displayName: "List", securityEnabled: false });
      w.entra.addMember(team.id, w.user.oid);
      w.entra.addMember(dept.id, team.id);
      w.entra.addMember(list.id, w.user.oid);

      const direct = await graphGet(w, t, `/groups/${dept.id}/members`);
      expect(direct.json.value.map((m: { id: string }) => m.id)).toEqual([team.id]);
      expect(direct.json.value[0]["@odata.type"]).toBe("#microsoft.graph.group");
      expect(direct.headers.get("x-ms-resource-unit")).toBe("3");
      const all = await graphGet(w, t, `/groups/${dept.id}/transitiveMembers`);
      expect(all.json.value.map((m: { id: string }) => m.id)).toEqual([team.id, w.user.oid]);
      expect(all.json.value[1]["@odata.type"]).toBe("#microsoft.graph.user");
      expect(all.headers.get("x-ms-resource-unit")).toBe("5");

      const seeded = "5f3c1a2e-0000-4000-8000-000000000001"; // addUser({ groups }) of the world
      const memberOf = await graphGet(w, t, `/users/${w.user.oid}/memberOf?$select=id`);
      expect(memberOf.json.value.map((g: { id: string }) => g.id).sort()).toEqual(
        [seeded, team.id, list.id].sort(),
      );
      const transitive = await allPages(
        w,
        t,
        `/users/${w.user.oid}/transitiveMemberOf/microsoft.graph.group?$select=id`,
      );
      expect(transitive.items.map((g) => g.id).sort()).toEqual([seeded, team.id, list.id, dept.id].sort());

      const security = await graphPost(w, t, `/users/${w.user.oid}/getMemberGroups`, {
        securityEnabledOnly: true,
      });
      expect(security.json.value.sort()).toEqual([seeded, team.id, dept.id].sort());
      expect(security.json["@odata.context"]).toMatch(/\$metadata#Collection\(Edm\.String\)$/);
      const missing = await graphPost(w, t, `/users/${w.user.oid}/getMemberObjects`, {});
      expect(missing.status).toBe(400);
    } finally {
      await w.entra.close();
    }
  });

  it("the groups claim of tokens counts nested groups too (§5.4)", async () => {
    const w = await startWorld();
    try {
      const team = w.entra.addGroup({ tenantId: w.tenant.id, displayName: "Team" });
      const dept = w.entra.addGroup({ tenantId: w.tenant.id, displayName: "Department" });
      w.entra.addMember(team.id, w.user.oid);
      w.entra.addMember(dept.id, team.id);
      const code = await codeFlow(w);
      const { claims } = claimsOf(code.json.id_token);
      expect([...(claims.groups as string[])].sort()).toEqual(
        ["5f3c1a2e-0000-4000-8000-000000000001", team.id, dept.id].sort(),
      );
    } finally {
      await w.entra.close();
    }
  });

  it("a group of another tenant is a 404", async () => {
    const other = world.entra.addTenant();
    const foreign = world.entra.addGroup({ tenantId: other.id });
    expectGraphError(
      expect,
      await graphGet(world, token, `/groups/${foreign.id}`),
      404,
      "Request_ResourceNotFound",
    );
  });
});

describe("app role assignments (§11.5)", () => {
  it("a user's assignments and an API's appRoleAssignedTo, by object id and by appId", async () => {
    const directory = await graphToken(world, addGraphClient(world, ["Directory.Read.All"]).clientId);
    const mine = await graphGet(world, directory, `/users/${world.user.oid}/appRoleAssignments`);
    expect(mine.status).toBe(200);
    expect(mine.json.value).toHaveLength(1);
    const item = mine.json.value[0];
    expect(Object.keys(item)).toEqual([
      "id",
      "deletedDateTime",
      "appRoleId",
      "createdDateTime",
      "principalDisplayName",
      "principalId",
      "principalType",
      "resourceDisplayName",
      "resourceId",
    ]);
    expect(item).toMatchObject({
      principalId: world.user.oid,
      principalType: "User",
      principalDisplayName: "Ada Lovelace",
      resourceDisplayName: "orders-api",
      deletedDateTime: null,
    });
    expect(item.appRoleId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);

    const byId = await graphGet(world, token, `/servicePrincipals/${item.resourceId}/appRoleAssignedTo`);
    expect(byId.json.value).toEqual([item]);
    const byAppId = await graphGet(
      world,
      token,
      `/servicePrincipals(appId='${world.apiV2.clientId}')/appRoleAssignedTo`,
    );
    expect(byAppId.json.value).toEqual([item]);
    expectGraphError(
      expect,
      await graphGet(world, token, `/users/${world.user.oid}/appRoleAssignments`),
      403,
      "Authorization_RequestDenied",
    );
  });
});

describe("app roles given to a group (§11.5)", () => {
  it("reach the group's direct members only, in tokens and in appRoleAssignedTo; unassigning takes them back", async () => {
    const w = await startWorld();
    try {
      const graph = await graphToken(w, addGraphClient(w).clientId);
      const readers = w.entra.addGroup({ tenantId: w.tenant.id, displayName: "Readers" });
      const inner = w.entra.addGroup({ tenantId: w.tenant.id, displayName: "Inner" });
      w.entra.addMember(readers.id, inner.id);
      w.entra.addMember(inner.id, w.user.oid);
      w.entra.assignAppRole(readers.id, w.apiV2.clientId, "Orders.Read");
      const rolesNow = async () =>
        claimsOf((await codeFlow(w)).json.access_token).claims.roles as string[] | undefined;
      expect(await rolesNow()).toEqual(["Orders.Write"]); // a member of a member: not reached

      w.entra.addMember(readers.id, w.user.oid);
      expect([...((await rolesNow()) ?? [])].sort()).toEqual(["Orders.Read", "Orders.Write"]);
      const assigned = await graphGet(
        w,
        graph,
        `/servicePrincipals(appId='${w.apiV2.clientId}')/appRoleAssignedTo`,
      );
      const group = assigned.json.value.find((a: { principalType: string }) => a.principalType === "Group");
      expect(group).toMatchObject({
        principalId: readers.id,
        principalDisplayName: "Readers",
        appRoleId: w.entra.appRoleId(w.apiV2.clientId, "Orders.Read"),
        resourceDisplayName: "orders-api",
      });
      const user = assigned.json.value.find((a: { principalType: string }) => a.principalType === "User");
      expect(user.appRoleId).toBe(w.entra.appRoleId(w.apiV2.clientId, "Orders.Write"));

      w.entra.unassignAppRole(readers.id, w.apiV2.clientId, "Orders.Read");
      w.entra.unassignAppRole(w.user.oid, w.apiV2.clientId, "Orders.Write");
      expect(await rolesNow()).toBeUndefined();
      const after = await graphGet(
        w,
        graph,
        `/servicePrincipals(appId='${w.apiV2.clientId}')/appRoleAssignedTo`,
      );
      expect(after.json.value).toEqual([]);
      expect(() => w.entra.assignAppRole(readers.id, w.apiV2.clientId, "Orders.Delete")).toThrow(
        /defines no app role Orders.Delete/,
      );
    } finally {
      await w.entra.close();
    }
  });
});

describe("throttling (§11.6)", () => {
  it("429 TooManyRequests with a fractional Retry-After, the sample body and the throttle headers", async () => {
    world.entra.throttleGraph({ times: 1, retryAfterSeconds: 2.128 });
    const result = await graphGet(world, token, "/users");
    expect(result.status).toBe(429);
    expect(result.headers.get("retry-after")).toBe("2.128");
    expect(result.headers.get("x-ms-throttle-information")).toBe("ResourceUnitLimitExceeded");
    expect(result.headers.get("x-ms-throttle-scope")).toMatch(
      /^Tenant_Application\/ReadWrite\/[0-9a-f-]{36}\/[0-9a-f-]{36}$/,
    );
    expect(result.json).toEqual({
      error: {
        code: "TooManyRequests",
        innerError: {
          code: "429",
          date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/),
          message: "Please retry after",
          "request-id": result.headers.get("request-id"),
          status: "429",
        },
        message: "Please retry again later.",
      },
    });
    expect((await graphGet(world, token, "/users")).status).toBe(200); // times: 1
  });

  it("429 without Retry-After when asked: the client must back off on its own", async () => {
    world.entra.throttleGraph({ times: 1, retryAfterSeconds: null });
    const result = await graphGet(world, token, "/users");
    expect(result.status).toBe(429);
    expect(result.headers.get("retry-after")).toBeNull();
  });

  it("a Graph fault answers Graph-shaped errors; transport faults apply too", async () => {
    world.entra.fault({ endpoint: "graph", mode: "http503", retryAfterSeconds: 3, times: 1 });
    const result = await graphGet(world, token, "/users");
    expect(result.status).toBe(503);
    expect(result.headers.get("retry-after")).toBe("3");
    expect(Object.keys(result.json.error)).toEqual(["code", "message", "innerError"]);
    world.entra.fault({ endpoint: "graph", mode: "refused", times: 1 });
    await expect(graphGet(world, token, "/users")).rejects.toThrow();
    expect((await graphGet(world, token, "/users")).status).toBe(200);
  });
});

describe("$batch", () => {
  it("answers each request on its own, status and body", async () => {
    const result = await graphPost(world, token, "/$batch", {
      requests: [
        { id: "1", method: "GET", url: `/users/${world.user.oid}?$select=id` },
        { id: "2", method: "GET", url: "/users/00000000-0000-4000-8000-00000000dead" },
      ],
    });
    expect(result.status).toBe(200);
    const [first, second] = result.json.responses;
    expect(first).toMatchObject({ id: "1", status: 200, body: { id: world.user.oid } });
    expect(second).toMatchObject({
      id: "2",
      status: 404,
      body: { error: { code: "Request_ResourceNotFound" } },
    });
  });

  it("more than 20 requests is a 400", async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/users" }));
    expect((await graphPost(world, token, "/$batch", { requests })).status).toBe(400);
  });
});
