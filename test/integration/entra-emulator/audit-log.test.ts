// The emulator's directory audit log (docs/reference/entra-id.md §13): `setUserState` writes
// `directoryAudit` entries in Microsoft Graph's documented shape, and
// `GET /v1.0/auditLogs/directoryAudits` lists them — newest first, filtered, paged — to apps
// holding AuditLog.Read.All.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addGraphClient, allPages, expectGraphError, graphGet, graphToken } from "./graph-world.js";
import { GUID, startWorld, type World } from "./world.js";

const AUDIT = "/auditLogs/directoryAudits";
const DAY = 86_400_000;

/** The members of a directoryAudit, in the order of Microsoft's v1.0 example (§13.2). */
const DIRECTORY_AUDIT = [
  "id",
  "category",
  "correlationId",
  "result",
  "resultReason",
  "activityDisplayName",
  "activityDateTime",
  "loggedByService",
  "operationType",
  "initiatedBy",
  "targetResources",
  "additionalDetails",
];

let now = Date.parse("2025-03-03T09:00:00.000Z");
let world: World;
let reader: string;
let admin: { oid: string; userPrincipalName: string };

/** A reader of the audit log: AuditLog.Read.All (with Directory.Read.All, as Microsoft lists them). */
async function auditReader(w: World): Promise<string> {
  return graphToken(w, addGraphClient(w, ["AuditLog.Read.All", "Directory.Read.All"]).clientId);
}

function addPerson(w: World, name: string) {
  return w.entra.addUser({
    tenantId: w.tenant.id,
    userPrincipalName: `${name}@contoso.example`,
    password: "pw",
    displayName: name,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: Graph JSON, inspected field by field
async function entries(w: World, token: string, query = ""): Promise<any[]> {
  const result = await graphGet(w, token, `${AUDIT}${query}`);
  expect(result.status, result.text).toBe(200);
  return result.json.value;
}

beforeAll(async () => {
  world = await startWorld({ now: () => now });
  reader = await auditReader(world);
  admin = world.entra.addUser({
    tenantId: world.tenant.id,
    userPrincipalName: "it-admin@contoso.example",
    password: "pw",
    displayName: "IT Admin",
  });
});
afterAll(() => world.entra.close());

describe("the directoryAudit resource (§13.2)", () => {
  it("every documented property, in Graph's order, each of its documented type", async () => {
    const ada = addPerson(world, "shape");
    now += 1000;
    world.entra.setUserState(ada.oid, "disabled", {
      initiatedBy: { user: admin.userPrincipalName, ipAddress: "203.0.113.7" },
    });
    const [update] = await entries(
      world,
      reader,
      `?$filter=activityDisplayName eq 'Update user' and targetResources/any(t: t/id eq '${ada.oid}')`,
    );
    expect(Object.keys(update)).toEqual(DIRECTORY_AUDIT);
    // String (identifier): a GUID per Microsoft, `Directory_<correlationId>_…` in its examples.
    expect(update.id).toMatch(/^Directory_[0-9a-f-]{36}_[A-Z0-9]{5}_\d+$/);
    expect(update.category).toBe("UserManagement");
    expect(update.correlationId).toMatch(GUID); // Guid
    expect(update.id).toContain(update.correlationId);
    expect(update.result).toBe("success"); // operationResult: success | failure | timeout | unknownFutureValue
    expect(update.resultReason).toBe(""); // String; the reason of a failure or a timeout only
    expect(update.activityDisplayName).toBe("Update user");
    // DateTimeOffset, always UTC, with the 7 fractional digits of Microsoft's examples.
    expect(update.activityDateTime).toBe(new Date(now).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z"));
    expect(update.loggedByService).toBe("Core Directory");
    expect(update.operationType).toBe("Update");
    // auditActivityInitiator: a userIdentity or an appIdentity; the other one is null.
    expect(Object.keys(update.initiatedBy)).toEqual(["user", "app"]);
    expect(update.initiatedBy.app).toBeNull();
    expect(update.initiatedBy.user).toEqual({
      id: admin.oid,
      displayName: "IT Admin",
      userPrincipalName: "it-admin@contoso.example",
      ipAddress: "203.0.113.7",
    });
    // targetResource collection.
    expect(update.targetResources).toHaveLength(1);
    const [target] = update.targetResources;
    expect(Object.keys(target)).toEqual([
      "id",
      "displayName",
      "type",
      "userPrincipalName",
      "groupType",
      "modifiedProperties",
    ]);
    expect(target).toMatchObject({
      id: ada.oid,
      displayName: null,
      type: "User",
      userPrincipalName: "shape@contoso.example",
      groupType: null,
    });
    // modifiedProperty collection: displayName, oldValue, newValue — all strings (or null).
    for (const property of target.modifiedProperties) {
      expect(Object.keys(property)).toEqual(["displayName", "oldValue", "newValue"]);
      expect(typeof property.displayName).toBe("string");
      for (const value of [property.oldValue, property.newValue]) {
        expect(value === null || typeof value === "string").toBe(true);
      }
    }
    // keyValue collection.
    expect(update.additionalDetails).toEqual([{ key: "UserType", value: "Member" }]);
  });

  it("AccountEnabled's old and new values are JSON-encoded arrays, as strings: a disable, then an enable", async () => {
    const ada = addPerson(world, "switch");
    world.entra.setUserState(ada.oid, "disabled", { initiatedBy: { user: admin.oid } });
    now += 1000;
    world.entra.setUserState(ada.oid, "active", { initiatedBy: { user: admin.oid } });
    const updates = await entries(
      world,
      reader,
      `?$filter=targetResources/any(t: t/id eq '${ada.oid}') and activityDisplayName eq 'Update user'`,
    );
    const [enable, disable] = updates.map((e) => e.targetResources[0].modifiedProperties);
    expect(disable).toEqual([
      { displayName: "AccountEnabled", oldValue: "[true]", newValue: "[false]" },
      { displayName: "Included Updated Properties", oldValue: null, newValue: '"AccountEnabled"' },
      { displayName: "TargetId.UserType", oldValue: null, newValue: '"Member"' },
    ]);
    expect(JSON.parse(disable[0].oldValue)).toEqual([true]);
    expect(JSON.parse(disable[0].newValue)).toEqual([false]);
    expect(enable[0]).toEqual({ displayName: "AccountEnabled", oldValue: "[false]", newValue: "[true]" });
  });

  it("a disable writes `Update user` and `Disable account` with one correlationId; `activities` picks one", async () => {
    const both = addPerson(world, "both");
    world.entra.setUserState(both.oid, "disabled", { initiatedBy: { user: admin.oid } });
    const written = await entries(world, reader, `?$filter=targetResources/any(t: t/id eq '${both.oid}')`);
    expect(written.map((e) => e.activityDisplayName).sort()).toEqual(["Disable account", "Update user"]);
    expect(new Set(written.map((e) => e.correlationId)).size).toBe(1);
    expect(new Set(written.map((e) => e.id)).size).toBe(2);
    const account = written.find((e) => e.activityDisplayName === "Disable account");
    expect(account).toMatchObject({ category: "UserManagement", operationType: "Update", result: "success" });
    expect(account.targetResources[0]).toMatchObject({ id: both.oid, type: "User", modifiedProperties: [] });

    const onlyUpdate = addPerson(world, "only-update");
    world.entra.setUserState(onlyUpdate.oid, "disabled", { activities: "update" });
    const onlyAccount = addPerson(world, "only-account");
    world.entra.setUserState(onlyAccount.oid, "disabled", { activities: "account" });
    const of = async (oid: string) =>
      (await entries(world, reader, `?$filter=targetResources/any(t: t/id eq '${oid}')`)).map(
        (e) => e.activityDisplayName,
      );
    expect(await of(onlyUpdate.oid)).toEqual(["Update user"]);
    expect(await of(onlyAccount.oid)).toEqual(["Disable account"]);
  });

  it("an app as initiator: appIdentity with appId, displayName, servicePrincipalId, servicePrincipalName; user null", async () => {
    const hr = world.entra.addApp({ tenantId: world.tenant.id, displayName: "hr-sync", secret: "s" });
    const byClientId = addPerson(world, "by-app");
    world.entra.setUserState(byClientId.oid, "disabled", { initiatedBy: { app: hr.clientId } });
    const bySpId = addPerson(world, "by-sp");
    world.entra.setUserState(bySpId.oid, "disabled", { initiatedBy: { app: hr.servicePrincipalId } });
    const written = await entries(world, reader, `?$filter=initiatedBy/app/appId eq '${hr.clientId}'`);
    expect(written).toHaveLength(4);
    for (const entry of written) {
      expect(entry.initiatedBy).toEqual({
        user: null,
        app: {
          appId: hr.clientId,
          displayName: "hr-sync",
          servicePrincipalId: hr.servicePrincipalId,
          servicePrincipalName: "hr-sync",
        },
      });
    }
    expect(new Set(written.map((e) => e.targetResources[0].id))).toEqual(
      new Set([byClientId.oid, bySpId.oid]),
    );
  });

  it("an initiator outside the emulator, given field by field (a Microsoft service, a partner's technician)", async () => {
    const ms = addPerson(world, "by-microsoft");
    world.entra.setUserState(ms.oid, "disabled", {
      initiatedBy: { app: { appId: null, displayName: "Microsoft Online Services" } },
      activities: "account",
    });
    const tech = addPerson(world, "by-partner");
    const partnerId = "0f0e0d0c-0b0a-4909-8807-060504030201";
    world.entra.setUserState(tech.oid, "disabled", {
      initiatedBy: { user: { id: partnerId, userPrincipalName: "tech@partner.example" } },
      activities: "account",
    });
    const [microsoft] = await entries(world, reader, `?$filter=targetResources/any(t: t/id eq '${ms.oid}')`);
    expect(microsoft.initiatedBy).toEqual({
      user: null,
      app: {
        appId: null,
        displayName: "Microsoft Online Services",
        servicePrincipalId: null,
        servicePrincipalName: null,
      },
    });
    const [partner] = await entries(world, reader, `?$filter=initiatedBy/user/id eq '${partnerId}'`);
    expect(partner.initiatedBy).toEqual({
      user: { id: partnerId, displayName: null, userPrincipalName: "tech@partner.example", ipAddress: "" },
      app: null,
    });
  });

  it("no initiator given: the tenant's administrator admin@<domain> — the emulator's user of that name if there is one", async () => {
    const plain = addPerson(world, "plain");
    world.entra.setUserState(plain.oid, "disabled");
    const [entry] = await entries(world, reader, `?$filter=targetResources/any(t: t/id eq '${plain.oid}')`);
    expect(entry.initiatedBy.app).toBeNull();
    expect(entry.initiatedBy.user).toMatchObject({
      displayName: "Administrator",
      userPrincipalName: "admin@contoso.example",
    });
    expect(entry.initiatedBy.user.id).toMatch(GUID);

    const w = await startWorld();
    try {
      const realAdmin = addPerson(w, "admin");
      w.entra.setUserState(w.user.oid, "disabled");
      const [own] = await entries(w, await auditReader(w), "");
      expect(own.initiatedBy.user).toMatchObject({
        id: realAdmin.oid,
        userPrincipalName: "admin@contoso.example",
      });
    } finally {
      await w.entra.close();
    }
  });

  it("{ audit: false }: the account is disabled everywhere and the log has no entry for it", async () => {
    const quiet = addPerson(world, "quiet");
    const users = await graphToken(world, addGraphClient(world, ["User.Read.All"]).clientId);
    world.entra.setUserState(quiet.oid, "disabled", { audit: false });
    const seen = await graphGet(world, users, `/users/${quiet.oid}?$select=id,accountEnabled`);
    expect(seen.json).toMatchObject({ id: quiet.oid, accountEnabled: false });
    expect(await entries(world, reader, `?$filter=targetResources/any(t: t/id eq '${quiet.oid}')`)).toEqual(
      [],
    );
    world.entra.setUserState(quiet.oid, "deleted", { audit: false });
    world.entra.setUserState(quiet.oid, "active", { audit: false });
    expect(await entries(world, reader, `?$filter=targetResources/any(t: t/id eq '${quiet.oid}')`)).toEqual(
      [],
    );
  });

  it("bad audit options are programmer errors and change nothing", async () => {
    const kept = addPerson(world, "kept");
    const users = await graphToken(world, addGraphClient(world, ["User.Read.All"]).clientId);
    expect(() =>
      world.entra.setUserState(kept.oid, "disabled", { audit: false, initiatedBy: { user: admin.oid } }),
    ).toThrow(TypeError);
    expect(() =>
      world.entra.setUserState(kept.oid, "disabled", { initiatedBy: { user: "nobody@contoso.example" } }),
    ).toThrow(/unknown user/);
    expect(() =>
      world.entra.setUserState(kept.oid, "disabled", { initiatedBy: { app: "not-an-app" } }),
    ).toThrow(/unknown app/);
    const seen = await graphGet(world, users, `/users/${kept.oid}?$select=id,accountEnabled`);
    expect(seen.json.accountEnabled).toBe(true);
    expect(await entries(world, reader, `?$filter=targetResources/any(t: t/id eq '${kept.oid}')`)).toEqual(
      [],
    );
  });

  it("deletion and restore: `Delete user` (Delete, renamed UPN, not hard deleted) and `Restore user`", async () => {
    const gone = addPerson(world, "gone");
    world.entra.setUserState(gone.oid, "deleted", { initiatedBy: { user: admin.oid } });
    now += 1000;
    world.entra.setUserState(gone.oid, "active", { initiatedBy: { user: admin.oid } });
    const [restore, remove] = await entries(
      world,
      reader,
      `?$filter=targetResources/any(t: t/id eq '${gone.oid}')`,
    );
    expect(remove).toMatchObject({
      activityDisplayName: "Delete user",
      operationType: "Delete",
      category: "UserManagement",
    });
    expect(remove.targetResources[0]).toEqual({
      id: gone.oid,
      displayName: null,
      type: "User",
      userPrincipalName: `${gone.oid.replace(/-/g, "")}gone@contoso.example`,
      groupType: null,
      modifiedProperties: [{ displayName: "Is Hard Deleted", oldValue: null, newValue: '"False"' }],
    });
    expect(restore).toMatchObject({ activityDisplayName: "Restore user", category: "UserManagement" });
    expect(restore.targetResources[0]).toMatchObject({
      id: gone.oid,
      userPrincipalName: "gone@contoso.example",
    });
  });

  it("states that are not directory changes write nothing: lockout, MFA, revoked tokens, the same state again", async () => {
    const other = addPerson(world, "other");
    world.entra.setUserState(other.oid, "locked", { initiatedBy: { user: admin.oid } });
    world.entra.setUserState(other.oid, "mfa_required");
    world.entra.setUserState(other.oid, "tokens_revoked");
    world.entra.setUserState(other.oid, "active");
    expect(await entries(world, reader, `?$filter=targetResources/any(t: t/id eq '${other.oid}')`)).toEqual(
      [],
    );
    world.entra.setUserState(other.oid, "disabled", { activities: "account" });
    world.entra.setUserState(other.oid, "disabled", { activities: "account" }); // already disabled
    expect(
      await entries(world, reader, `?$filter=targetResources/any(t: t/id eq '${other.oid}')`),
    ).toHaveLength(1);
  });

  it("each tenant reads its own log only", async () => {
    const elsewhere = world.entra.addTenant({ domain: "fabrikam.example" });
    const stranger = world.entra.addUser({
      tenantId: elsewhere.id,
      userPrincipalName: "s@fabrikam.example",
      password: "pw",
    });
    world.entra.setUserState(stranger.oid, "disabled");
    expect(
      await entries(world, reader, `?$filter=targetResources/any(t: t/id eq '${stranger.oid}')`),
    ).toEqual([]);
  });
});

describe("listing, filtering and paging (§13.5)", () => {
  /** A fresh world with a log written at known times, one minute apart. */
  async function loggedWorld() {
    let clock = Date.parse("2025-06-01T08:00:00.000Z");
    const w = await startWorld({ now: () => clock });
    const tick = () => {
      clock += 60_000;
    };
    const itDesk = w.entra.addUser({
      tenantId: w.tenant.id,
      userPrincipalName: "it@contoso.example",
      password: "pw",
    });
    const people = ["a", "b", "c", "d"].map((n) => addPerson(w, n));
    for (const person of people) {
      tick();
      w.entra.setUserState(person.oid, "disabled", { initiatedBy: { user: itDesk.oid } });
    }
    tick();
    w.entra.setUserState(people[0]?.oid ?? "", "deleted", { initiatedBy: { user: itDesk.oid } });
    return { w, people, token: await auditReader(w), advance: (ms: number) => (clock += ms) };
  }

  it("newest first by default, under @odata.context …/$metadata#auditLogs/directoryAudits; $orderby asc reverses", async () => {
    const { w, token } = await loggedWorld();
    try {
      const result = await graphGet(w, token, AUDIT);
      expect(result.json["@odata.context"]).toBe(
        `${w.entra.graphUrl}/v1.0/$metadata#auditLogs/directoryAudits`,
      );
      const times = result.json.value.map((e: { activityDateTime: string }) =>
        Date.parse(e.activityDateTime),
      );
      expect(times).toHaveLength(9); // four disables of two entries each, one deletion
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(result.json.value[0].activityDisplayName).toBe("Delete user");
      const ascending = await entries(w, token, "?$orderby=activityDateTime asc");
      expect(ascending.map((e) => e.id)).toEqual(
        result.json.value.map((e: { id: string }) => e.id).reverse(),
      );
      expect((await graphGet(w, token, `${AUDIT}?$orderby=category`)).status).toBe(400);
    } finally {
      await w.entra.close();
    }
  });

  it("$filter: activityDateTime ge/le, activityDisplayName eq and startswith, joined with and", async () => {
    const { w, people, token } = await loggedWorld();
    try {
      const disables = await entries(w, token, "?$filter=activityDisplayName eq 'Disable account'");
      expect(disables.map((e) => e.targetResources[0].id)).toEqual(people.map((p) => p.oid).reverse());
      const since = await entries(
        w,
        token,
        "?$filter=activityDateTime ge 2025-06-01T08:03:00Z and activityDisplayName eq 'Disable account'",
      );
      expect(since.map((e) => e.targetResources[0].id)).toEqual([people[3]?.oid, people[2]?.oid]);
      const window = await entries(
        w,
        token,
        "?$filter=activityDateTime ge 2025-06-01T08:02:00Z and activityDateTime le 2025-06-01T08:03:00.0000000Z",
      );
      expect(window).toHaveLength(4);
      const dayBefore = await entries(w, token, "?$filter=activityDateTime le 2025-06-01");
      expect(dayBefore).toEqual([]);
      const startsWith = await entries(w, token, "?$filter=startswith(activityDisplayName, 'disable')");
      expect(startsWith).toHaveLength(4);
      const caseless = await entries(w, token, "?$filter=activityDisplayName eq 'delete user'");
      expect(caseless).toHaveLength(1);
    } finally {
      await w.entra.close();
    }
  });

  it("$filter: targetResources/any(t: t/id eq …), initiatedBy/user/userPrincipalName, correlationId", async () => {
    const { w, people, token } = await loggedWorld();
    try {
      const first = people[0]?.oid ?? "";
      const about = await entries(w, token, `?$filter=targetResources/any(t: t/id eq '${first}')`);
      expect(about.map((e) => e.activityDisplayName)).toEqual([
        "Delete user",
        "Disable account",
        "Update user",
      ]);
      const byIt = await entries(
        w,
        token,
        "?$filter=initiatedBy/user/userPrincipalName eq 'it@contoso.example'",
      );
      expect(byIt).toHaveLength(9);
      const byPrefix = await entries(
        w,
        token,
        "?$filter=startswith(initiatedBy/user/userPrincipalName, 'admin@')",
      );
      expect(byPrefix).toEqual([]);
      const correlated = await entries(w, token, `?$filter=correlationId eq ${about[1].correlationId}`);
      expect(correlated.map((e) => e.activityDisplayName)).toEqual(["Disable account", "Update user"]);
    } finally {
      await w.entra.close();
    }
  });

  it("filters Graph does not document — or, not, other properties and operators, bad literals — are 400s", async () => {
    const { w, token } = await loggedWorld();
    try {
      for (const filter of [
        "category eq 'UserManagement'",
        "activityDisplayName eq 'Update user' or activityDisplayName eq 'Delete user'",
        "activityDateTime gt 2025-06-01T08:00:00Z",
        "activityDateTime ge '2025-06-01T08:00:00Z'",
        "activityDateTime ge yesterday",
        "activityDisplayName ne 'Update user'",
        "activityDisplayName eq 'unterminated",
        "targetResources/any(t: t/type eq 'User')",
      ]) {
        const result = await graphGet(w, token, `${AUDIT}?$filter=${encodeURIComponent(filter)}`);
        expect({ filter, status: result.status }).toEqual({ filter, status: 400 });
        expect(Object.keys(result.json.error)).toEqual(["code", "message", "innerError"]);
      }
    } finally {
      await w.entra.close();
    }
  });

  it("$top pages with opaque $skiptoken next links that keep $filter; following them reads the whole listing once", async () => {
    const { w, token } = await loggedWorld();
    try {
      const whole = await entries(w, token, "?$filter=activityDateTime ge 2025-06-01T08:00:00Z");
      const { pages, items } = await allPages(
        w,
        token,
        `${AUDIT}?$filter=activityDateTime ge 2025-06-01T08:00:00Z&$top=4`,
      );
      expect(pages.map((p) => p.json.value.length)).toEqual([4, 4, 1]);
      expect(items.map((e) => e.id)).toEqual(whole.map((e) => e.id));
      const next = new URL(pages[0]?.json["@odata.nextLink"]);
      expect(next.pathname).toBe("/v1.0/auditLogs/directoryAudits");
      expect(next.searchParams.get("$filter")).toBe("activityDateTime ge 2025-06-01T08:00:00Z");
      expect(next.searchParams.get("$top")).toBe("4");
      expect(next.searchParams.get("$skiptoken")).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      for (const page of pages) {
        expect(page.json["@odata.context"]).toBe(
          `${w.entra.graphUrl}/v1.0/$metadata#auditLogs/directoryAudits`,
        );
      }
      expect(pages.at(-1)?.json).not.toHaveProperty("@odata.nextLink");
      expect((await graphGet(w, token, `${AUDIT}?$top=0`)).status).toBe(400);
      expect((await graphGet(w, token, `${AUDIT}?$skiptoken=made-up`)).status).toBe(400);
    } finally {
      await w.entra.close();
    }
  });

  it("an entry by id ($entity), $select, and the path in Microsoft's lower-case spelling", async () => {
    const { w, token } = await loggedWorld();
    try {
      const [newest] = await entries(w, token);
      const one = await graphGet(w, token, `${AUDIT}/${newest.id}`);
      expect(one.status).toBe(200);
      expect(one.json).toEqual({
        "@odata.context": `${w.entra.graphUrl}/v1.0/$metadata#auditLogs/directoryAudits/$entity`,
        ...newest,
      });
      expect((await graphGet(w, token, `${AUDIT}/Directory_nope`)).status).toBe(404);
      const slim = await graphGet(w, token, `${AUDIT}?$select=activityDateTime,activityDisplayName&$top=1`);
      expect(slim.json["@odata.context"]).toBe(
        `${w.entra.graphUrl}/v1.0/$metadata#auditLogs/directoryAudits(activityDateTime,activityDisplayName)`,
      );
      expect(Object.keys(slim.json.value[0])).toEqual(["activityDisplayName", "activityDateTime"]);
      expect((await graphGet(w, token, "/auditLogs/directoryaudits")).json.value).toHaveLength(9);
    } finally {
      await w.entra.close();
    }
  });

  it("retention: entries older than 30 days (7 with auditLogRetentionDays: 7) are gone", async () => {
    const { w, advance } = await loggedWorld();
    try {
      advance(29 * DAY); // the oldest entry is 29 days and 4 minutes old
      expect(await entries(w, await auditReader(w))).toHaveLength(9);
      advance(DAY); // the newest is 30 days old
      expect(await entries(w, await auditReader(w))).toEqual([]);
    } finally {
      await w.entra.close();
    }
    let clock = Date.now();
    const free = await startWorld({ now: () => clock, auditLogRetentionDays: 7 });
    try {
      free.entra.setUserState(free.user.oid, "disabled");
      clock += 7 * DAY - 1;
      expect(await entries(free, await auditReader(free))).toHaveLength(2);
      clock += 1;
      expect(await entries(free, await auditReader(free))).toEqual([]);
    } finally {
      await free.entra.close();
    }
  });

  it("latency: with auditLogLatencySeconds an entry shows up that long after the change Graph already shows", async () => {
    let clock = Date.now();
    const w = await startWorld({ now: () => clock, auditLogLatencySeconds: 120 });
    try {
      const t = await auditReader(w);
      const users = await graphToken(w, addGraphClient(w, ["User.Read.All"]).clientId);
      w.entra.setUserState(w.user.oid, "disabled");
      expect(
        (await graphGet(w, users, `/users/${w.user.oid}?$select=accountEnabled`)).json.accountEnabled,
      ).toBe(false);
      clock += 119_000;
      expect(await entries(w, t)).toEqual([]);
      clock += 1000;
      expect(await entries(w, t)).toHaveLength(2);
    } finally {
      await w.entra.close();
    }
  });
});

describe("permission, throttling and faults (§13.1)", () => {
  it("without AuditLog.Read.All: 403 Authentication_MSGraphPermissionMissing, whatever else the app holds", async () => {
    const others = await graphToken(
      world,
      addGraphClient(world, [
        "User.Read.All",
        "GroupMember.Read.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
      ]).clientId,
    );
    for (const path of [
      AUDIT,
      `${AUDIT}?$filter=activityDisplayName eq 'Disable account'`,
      `${AUDIT}/anything`,
    ]) {
      const denied = await graphGet(world, others, path);
      const error = expectGraphError(expect, denied, 403, "Authentication_MSGraphPermissionMissing");
      expect(error.message).toBe(
        "Calling principal does not have required MSGraph permissions AuditLog.Read.All",
      );
    }
    const auditOnly = await graphToken(world, addGraphClient(world, ["AuditLog.Read.All"]).clientId);
    expect((await graphGet(world, auditOnly, AUDIT)).status).toBe(200);
    expectGraphError(expect, await graphGet(world, auditOnly, "/users"), 403, "Authorization_RequestDenied");
  });

  it("throttling and Graph faults reach the audit log as every other Graph request", async () => {
    world.entra.throttleGraph({ times: 1, retryAfterSeconds: 1.5 });
    const throttled = await graphGet(world, reader, AUDIT);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("1.5");
    expect(throttled.json.error.code).toBe("TooManyRequests");
    world.entra.fault({ endpoint: "graph", mode: "http503", times: 1 });
    expect((await graphGet(world, reader, AUDIT)).status).toBe(503);
    expect((await graphGet(world, reader, AUDIT)).status).toBe(200);
  });

  it("a blocked tenant's token is refused before the log is read (401)", async () => {
    const w = await startWorld();
    try {
      const t = await auditReader(w);
      w.entra.setTenantState(w.tenant.id, "blocked");
      expectGraphError(expect, await graphGet(w, t, AUDIT), 401, "InvalidAuthenticationToken");
    } finally {
      await w.entra.close();
    }
  });
});
