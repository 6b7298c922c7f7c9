/**
 * Provenance-aware disables (issue 13, item 5): a disable at Entra reaches the
 * Keycloak copy only when the tenant's directory audit log (the Entra
 * emulator's `/auditLogs/directoryAudits`) shows a trusted initiator made it.
 * Microsoft's own disable (no audit entry, or an initiator nobody trusts) is
 * quarantined: the copy stays enabled, the person is reported on every run and
 * in readiness until released or confirmed — through the library and the CLI.
 * The real Keycloak is the target.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import {
  formatReadiness,
  type MirrorResult,
  mirror,
  type ReadinessReport,
  readiness,
} from "../../../src/directory/index.js";
import { MemoryStateStore } from "../../../src/index.js";
import {
  type Directory,
  directoryConfig,
  generatedDirectory,
  mirrorRealm,
  realmUsers,
  sourceOf,
  type TestRealm,
  targetOf,
} from "./support.js";

const USERS = 12;
const ADMIN = "admin@contoso.example";
const MICROSOFT = { app: { appId: null, displayName: "Microsoft Online Services" } } as const;

let dir: Directory;
let realm: TestRealm;
let hrAppId: string;
const state = new MemoryStateStore();

const run = () =>
  mirror({
    source: sourceOf(dir),
    target: targetOf(realm),
    state,
    disables: { policy: "propagate", trustedInitiators: [ADMIN, hrAppId] },
    brake: { maxPercent: 50 }, // a small directory: the brake is not what this file tests
  });

const keyOf = (i: number) => `${dir.tenantId}:${dir.users[i]?.oid}`;
const oidOf = (i: number) => dir.users[i]?.oid ?? "";
const upnOf = (i: number) => dir.users[i]?.upn ?? "";

async function enabledAtKeycloak(i: number): Promise<boolean | undefined> {
  return (await realmUsers(realm)).find((u) => u.key === keyOf(i))?.enabled;
}

const quarantinedKeys = (r: { quarantined: MirrorResult["quarantined"] }) =>
  r.quarantined.map((q) => q.key).sort();

beforeAll(async () => {
  dir = await generatedDirectory(USERS, 2);
  realm = await mirrorRealm();
  hrAppId = dir.entra.addApp({
    tenantId: dir.tenantId,
    displayName: "HR provisioning",
    secret: "hr",
  }).clientId;
});
afterAll(async () => {
  await realm?.delete();
  await dir?.entra.close();
});

describe("disables: { policy: 'propagate', trustedInitiators }", () => {
  it("the first run mirrors everyone and quarantines nobody", async () => {
    const result = await run().apply();
    expect(result.counts["create-user"]).toBe(USERS);
    expect(result.quarantined).toEqual([]);
  });

  it("audit log unreadable (403, no AuditLog.Read.All): even an admin's disable is quarantined, the permission named", async () => {
    dir.entra.setUserState(oidOf(0), "disabled"); // by admin@contoso.example
    const result = await run().apply();
    expect(result.counts["disable-user"]).toBe(0);
    expect(result.quarantined).toHaveLength(1);
    expect(result.quarantined[0]).toMatchObject({
      key: keyOf(0),
      userPrincipalName: upnOf(0),
      reason: "disabled-at-source",
      why: "audit-unreadable",
      initiator: { kind: "unknown" },
    });
    expect(result.quarantined[0]?.detail).toContain("AuditLog.Read.All");
    expect(await enabledAtKeycloak(0)).toBe(true);
  });

  it("once the log is readable, the next run asks again: the admin's disable is copied, the quarantine ends", async () => {
    dir.entra.grantGraphPermissions(dir.clientId, ["AuditLog.Read.All"]);
    const result = await run().apply();
    expect(result.counts["disable-user"]).toBe(1);
    expect(result.quarantined).toEqual([]);
    expect(await enabledAtKeycloak(0)).toBe(false);
  });

  it("an admin's disable and the HR app's are propagated", async () => {
    dir.entra.setUserState(oidOf(1), "disabled"); // by the tenant admin, admin@contoso.example
    dir.entra.setUserState(oidOf(2), "disabled", { initiatedBy: { app: hrAppId }, activities: "update" });
    const result = await run().apply();
    expect(result.counts["disable-user"]).toBe(2);
    expect(result.quarantined).toEqual([]);
    expect(await enabledAtKeycloak(1)).toBe(false);
    expect(await enabledAtKeycloak(2)).toBe(false);
  });

  it("Microsoft's disables (no audit entry; an initiator nobody trusts) and deletion are quarantined: the copies stay enabled", async () => {
    dir.entra.setUserState(oidOf(3), "disabled", { audit: false });
    dir.entra.setUserState(oidOf(4), "disabled", { initiatedBy: MICROSOFT });
    dir.entra.setUserState(oidOf(5), "deleted", { audit: false });
    const plan = await run().plan();
    expect(plan.counts["disable-user"]).toBe(0);
    expect(quarantinedKeys(plan)).toEqual([keyOf(3), keyOf(4), keyOf(5)].sort());

    const result = await run().apply();
    expect(result.counts["disable-user"]).toBe(0);
    const byKey = new Map(result.quarantined.map((q) => [q.key, q]));
    expect(byKey.get(keyOf(3))).toMatchObject({ why: "no-audit-entry", initiator: { kind: "unknown" } });
    expect(byKey.get(keyOf(4))).toMatchObject({
      why: "untrusted-initiator",
      initiator: { kind: "app", displayName: "Microsoft Online Services" },
      reason: "disabled-at-source",
    });
    expect(byKey.get(keyOf(4))?.auditEntryId).toMatch(/^Directory_/);
    expect(byKey.get(keyOf(5))).toMatchObject({ reason: "removed-at-source", why: "no-audit-entry" });
    for (const i of [3, 4, 5]) expect(await enabledAtKeycloak(i)).toBe(true);
  });

  it("a later run with nothing new still reports them (the quarantine is in the StateStore)", async () => {
    const result = await run().apply();
    expect(result.round).toBe("delta");
    expect(result.writes).toBe(0);
    expect(quarantinedKeys(result)).toEqual([keyOf(3), keyOf(4), keyOf(5)].sort());
    expect((await run().quarantined()).map((q) => q.key).sort()).toEqual(quarantinedKeys(result));
  });

  it("readiness lists the quarantined people", async () => {
    const report = await readiness({ source: sourceOf(dir), target: targetOf(realm), state });
    expect(report.quarantined.map((q) => q.key).sort()).toEqual([keyOf(3), keyOf(4), keyOf(5)].sort());
    const table = formatReadiness(report);
    expect(table).toContain("Quarantined: 3");
    expect(table).toContain(`${upnOf(4)}`);
    expect(table).toContain("untrusted-initiator; app Microsoft Online Services");
    expect((await readiness({ source: sourceOf(dir), target: targetOf(realm) })).quarantined).toEqual([]);
  });

  it("release keeps the person enabled and ends the quarantine; a full round does not quarantine the same disable again", async () => {
    const released = await run().release(upnOf(4).toUpperCase());
    expect(released?.key).toBe(keyOf(4));
    expect(await run().release(upnOf(4))).toBeUndefined();
    // A full round meets every disabled person again.
    await state.delete("idswitch:mirror:default:cursor");
    const result = await run().apply();
    expect(result.round).toBe("full");
    expect(result.counts["disable-user"]).toBe(0);
    expect(quarantinedKeys(result)).toEqual([keyOf(3), keyOf(5)].sort());
    expect(await enabledAtKeycloak(4)).toBe(true);
  });

  it("after a release, a new disable the log shows a trusted initiator made is copied", async () => {
    dir.entra.setUserState(oidOf(4), "active", { audit: false });
    dir.entra.setUserState(oidOf(4), "disabled"); // by the tenant admin, admin@contoso.example
    const result = await run().apply();
    expect(result.counts["disable-user"]).toBe(1);
    expect(await enabledAtKeycloak(4)).toBe(false);
  });

  it("confirm copies the quarantined disable to Keycloak and ends the quarantine", async () => {
    const confirmed = await run().confirm(keyOf(3));
    expect(confirmed?.userPrincipalName).toBe(upnOf(3));
    expect(await enabledAtKeycloak(3)).toBe(false);
    const result = await run().apply();
    expect(quarantinedKeys(result)).toEqual([keyOf(5)]);
    expect(await enabledAtKeycloak(3)).toBe(false);
  });

  it("enabled at Entra again: the quarantine ends by itself", async () => {
    dir.entra.setUserState(oidOf(6), "disabled", { audit: false });
    expect(quarantinedKeys(await run().apply())).toEqual([keyOf(5), keyOf(6)].sort());
    dir.entra.setUserState(oidOf(6), "active", { audit: false });
    expect(quarantinedKeys(await run().apply())).toEqual([keyOf(5)]);
    expect(await enabledAtKeycloak(6)).toBe(true);
  });
});

describe("disables: { policy: 'hold' } and the plain strings", () => {
  it("hold quarantines every disable, the admin's too, and names who made it", async () => {
    const holdState = new MemoryStateStore();
    const hold = () =>
      mirror({
        source: sourceOf(dir),
        target: targetOf(realm),
        state: holdState,
        name: "hold",
        disables: { policy: "hold", trustedInitiators: [ADMIN] },
      });
    await hold().apply(); // a full round of its own
    dir.entra.setUserState(oidOf(7), "disabled"); // by the tenant admin, admin@contoso.example
    const result = await hold().apply();
    expect(result.counts["disable-user"]).toBe(0);
    const q = result.quarantined.find((p) => p.key === keyOf(7));
    expect(q).toMatchObject({ why: "hold", initiator: { kind: "user", userPrincipalName: ADMIN } });
    expect(await enabledAtKeycloak(7)).toBe(true);
    expect((await hold().confirm(upnOf(7)))?.key).toBe(keyOf(7));
    expect(await enabledAtKeycloak(7)).toBe(false);
  });

  it("disables and policy together, or neither, are refused", () => {
    const base = { source: sourceOf(dir), target: targetOf(realm), state };
    expect(() => mirror({ ...base, disables: "hold", policy: "hold" })).toThrow(/mirror\.disables/);
    expect(() => mirror(base)).toThrow(/mirror\.disables: missing/);
  });
});

describe("idswitch mirror release|confirm, idswitch readiness", () => {
  let config: string;
  const env = { MIRROR_GRAPH_SECRET: "mirror-secret", MIRROR_KC_SECRET: "mirror-secret" };

  async function idswitch(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, {
      env,
      write: (line) => out.push(line),
      stderr: { write: (text) => err.push(text), isTTY: false },
    });
    return { code, out: out.join("\n"), err: err.join("") };
  }

  beforeAll(async () => {
    const folder = await mkdtemp(join(tmpdir(), "idswitch-provenance-cli-"));
    config = join(folder, "idswitch.config.json");
    await writeFile(
      config,
      JSON.stringify({
        directory: directoryConfig(dir, realm, {
          disables: { policy: "propagate", trustedInitiators: [ADMIN] },
          state: { file: "state.json" },
        }),
      }),
    );
  });

  it("apply lists the quarantine and how to settle it; readiness lists it too", async () => {
    dir.entra.setUserState(oidOf(8), "disabled", { initiatedBy: MICROSOFT });
    dir.entra.setUserState(oidOf(9), "disabled", { audit: false });
    const apply = await idswitch(["mirror", "apply", "--config", config]);
    expect(apply.code, apply.out).toBe(0);
    expect(apply.out).toContain("disables propagate, 1 trusted initiator (audit log checked)");
    expect(apply.out).toMatch(/\d+ quarantined \(disabled or removed at Entra/);
    expect(apply.out).toContain(`${upnOf(8)}`);
    expect(apply.out).toContain("idswitch mirror release <upn>");
    expect(await enabledAtKeycloak(8)).toBe(true);
    expect(await enabledAtKeycloak(9)).toBe(true);

    const report = await idswitch(["readiness", "--config", config]);
    expect(report.out).toContain("Quarantined:");
    expect(report.out).toContain(upnOf(9));
    const json = JSON.parse(
      (await idswitch(["readiness", "--config", config, "--json"])).out,
    ) as ReadinessReport;
    expect(json.quarantined.map((q) => q.key)).toEqual(expect.arrayContaining([keyOf(8), keyOf(9)]));
  });

  it("release <upn>: exit 0, still enabled; again: exit 1, nobody quarantined by that name", async () => {
    const released = await idswitch(["mirror", "release", upnOf(8), "--config", config]);
    expect(released.code, released.err).toBe(0);
    expect(released.out).toContain(`Released ${upnOf(8)}`);
    expect(await enabledAtKeycloak(8)).toBe(true);
    const again = await idswitch(["mirror", "release", upnOf(8), "--config", config]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("is not quarantined");
  });

  it("confirm <upn> --json: exit 0, disabled at Keycloak; a usage mistake is exit 2", async () => {
    const confirmed = await idswitch(["mirror", "confirm", upnOf(9), "--config", config, "--json"]);
    expect(confirmed.code, confirmed.err).toBe(0);
    expect(JSON.parse(confirmed.out)).toMatchObject({ settled: "confirmed", person: { key: keyOf(9) } });
    expect(await enabledAtKeycloak(9)).toBe(false);
    expect((await idswitch(["mirror", "confirm", "--config", config])).code).toBe(2);
    expect((await idswitch(["mirror", "release", "a", "b", "--config", config])).code).toBe(2);
    const after = await idswitch(["mirror", "apply", "--config", config, "--json"]);
    const keys = (JSON.parse(after.out) as MirrorResult).quarantined.map((q) => q.key);
    expect(keys).not.toContain(keyOf(8));
    expect(keys).not.toContain(keyOf(9));
  });
});
