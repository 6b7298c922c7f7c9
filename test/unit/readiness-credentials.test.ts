/**
 * The readiness report's credential kinds, onboarding funnel and recovery-at-risk list, without a network:
 * a directory source and a Keycloak target made of plain data (what the admin API's credentials and
 * federated-identity answers would say), the invitations in a MemoryStateStore under the onboarding
 * campaign's key. The same against the real Keycloak: test/integration/directory/readiness-credentials.test.ts.
 */
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import {
  type DirectorySource,
  formatReadiness,
  invitations,
  type KeycloakTarget,
  readiness,
  type SourceUser,
  type TargetUser,
} from "../../src/directory/index.js";
import { credentialKinds } from "../../src/directory/readiness/credentials.js";
import { IdSwitchError, MemoryStateStore } from "../../src/index.js";

const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

interface Person {
  readonly name: string;
  readonly enabled?: boolean;
  readonly mail?: string;
  /** Absent: no account at Keycloak. */
  readonly account?: { email?: string; credentials: string[]; links?: string[] };
}

function person(p: Person): SourceUser {
  return {
    key: `${TID}:${p.name}`,
    tenantId: TID,
    objectId: p.name,
    userPrincipalName: `${p.name}@contoso.com`,
    mail: p.mail ?? `${p.name}@contoso.com`,
    givenName: p.name,
    surname: "Test",
    displayName: p.name,
    accountEnabled: p.enabled ?? true,
  };
}

/** A source and a target over `people`; the target answers as Keycloak's admin API would. */
function directory(people: readonly Person[]): { source: DirectorySource; target: KeycloakTarget } {
  const users = people.map(person);
  const source = {
    users: async function* () {
      yield* users;
    },
    userPages: () => undefined,
    groups: () => undefined,
    groupUsers: () => undefined,
    roleAssignments: () => undefined,
    userGroups: async () => [],
  };
  const byId = new Map(people.map((p) => [p.name, p]));
  const target = {
    findUser: async (key: string): Promise<TargetUser | undefined> => {
      const p = byId.get(key.split(":")[1] ?? "");
      if (!p?.account) return undefined;
      return {
        id: p.name,
        key,
        username: p.name,
        enabled: true,
        email: "email" in p.account ? p.account.email : `${p.name}@contoso.com`,
        emailVerified: true,
        firstName: p.name,
        lastName: "Test",
      };
    },
    signInMeans: async (id: string) => {
      const account = byId.get(id)?.account;
      return { credentials: account?.credentials ?? [], brokered: (account?.links ?? []).length > 0 };
    },
    groups: async () => new Map(),
    userGroups: async () => [],
  };
  return {
    source: source as unknown as DirectorySource,
    target: target as unknown as KeycloakTarget,
  };
}

const NOW = () => Date.parse("2026-12-03T14:00:00Z");

describe("credentialKinds", () => {
  it("strongest first, each once: passkey > otp > password > brokered > other", () => {
    expect(credentialKinds({ credentials: ["password", "webauthn-passwordless"], brokered: true })).toEqual([
      "passkey",
      "password",
      "brokered",
    ]);
    expect(credentialKinds({ credentials: ["otp", "password", "otp"], brokered: false })).toEqual([
      "otp",
      "password",
    ]);
    // A security key as second factor (type `webauthn`) is not a passkey.
    expect(credentialKinds({ credentials: ["webauthn"], brokered: false })).toEqual(["other"]);
    expect(credentialKinds({ credentials: [], brokered: true })).toEqual(["brokered"]);
    expect(credentialKinds({ credentials: [], brokered: false })).toEqual(["none"]);
  });
});

describe("invitations", () => {
  it("nothing recorded: nobody invited", async () => {
    expect((await invitations(new MemoryStateStore(), "default")).size).toBe(0);
  });

  it("reads idswitch:onboard:<name>:invited, the campaign's record by Entra key", async () => {
    const state = new MemoryStateStore();
    await state.set("idswitch:onboard:eu:invited", {
      [`${TID}:a`]: {
        invitedAt: "2026-12-01T09:00:00.000Z",
        reminders: 2,
        lastSentAt: "2026-12-03T09:00:00.000Z",
      },
      [`${TID}:b`]: {},
    });
    const invited = await invitations(state, "eu");
    expect(invited.get(`${TID}:a`)).toEqual({ invitedAt: "2026-12-01T09:00:00.000Z", reminders: 2 });
    // An entry the campaign wrote is an invitation, even with fields missing.
    expect(invited.get(`${TID}:b`)).toEqual({ invitedAt: "", reminders: 0 });
    expect((await invitations(state, "default")).size).toBe(0);
  });

  it("a value of another shape is read as nobody invited", async () => {
    const state = new MemoryStateStore();
    await state.set("idswitch:onboard:default:invited", ["not", "a", "map"]);
    expect((await invitations(state, "default")).size).toBe(0);
  });
});

describe("readiness by credential", () => {
  const people: Person[] = [
    { name: "pia", account: { credentials: ["webauthn-passwordless", "password"] } },
    { name: "otto", account: { credentials: ["password", "otp"] } },
    { name: "paul", account: { credentials: ["password"] } },
    { name: "bea", account: { credentials: [], links: ["entra"] } },
    { name: "nina", account: { credentials: [] } },
    { name: "sven", account: { credentials: ["password"], email: "sven@mail.Contoso.com" } },
    { name: "fred", account: { credentials: ["password"], email: "fred@fabrikam.eu" } },
    { name: "mia" }, // not mirrored yet
    { name: "dora", enabled: false, account: { credentials: [] } },
  ];

  async function report() {
    const state = new MemoryStateStore();
    await state.set("idswitch:onboard:default:invited", {
      [`${TID}:pia`]: { invitedAt: "2026-12-01T09:00:00.000Z", reminders: 0 },
      [`${TID}:nina`]: { invitedAt: "2026-12-01T09:00:00.000Z", reminders: 1 },
      [`${TID}:mia`]: { invitedAt: "2026-12-01T09:00:00.000Z", reminders: 0 },
    });
    return readiness({ ...directory(people), state, now: NOW, recoveryAtRisk: ["@Contoso.COM"] });
  }

  it("each person's strongest kind, and every kind they hold", async () => {
    const r = await report();
    const kinds = Object.fromEntries(
      r.people.map((p) => [p.userPrincipalName.split("@")[0], [p.kind, p.kinds]]),
    );
    expect(kinds).toEqual({
      pia: ["passkey", ["passkey", "password"]],
      otto: ["otp", ["otp", "password"]],
      paul: ["password", ["password"]],
      bea: ["brokered", ["brokered"]],
      nina: ["none", ["none"]],
      sven: ["password", ["password"]],
      fred: ["password", ["password"]],
      mia: ["none", ["none"]],
      dora: ["none", ["none"]],
    });
    expect(r.credentials).toEqual({ passkey: 1, otp: 1, password: 3, brokered: 1, other: 0, none: 3 });
    const sum = Object.values(r.credentials).reduce((a, b) => a + b, 0);
    expect(sum).toBe(r.totals.users);
  });

  it("the funnel counts people enabled at Entra: mirrored → invited → registered", async () => {
    const r = await report();
    // mia was invited but has no account: not counted as invited in the funnel (her record is kept per person).
    expect(r.funnel).toEqual({ people: 8, mirrored: 7, invited: 2, registered: 6, invitedRegistered: 1 });
    expect(r.people.find((p) => p.key === `${TID}:mia`)).toMatchObject({
      mirrored: false,
      invited: { invitedAt: "2026-12-01T09:00:00.000Z", reminders: 0 },
    });
    expect(r.people.find((p) => p.key === `${TID}:paul`)?.invited).toBeUndefined();
  });

  it("recovery at risk: no passkey, OTP or linked provider, e-mail at (a subdomain of) an at-risk domain", async () => {
    const r = await report();
    expect(r.recoveryAtRisk.map((p) => [p.userPrincipalName, p.email, p.domain, p.kind])).toEqual([
      ["paul@contoso.com", "paul@contoso.com", "contoso.com", "password"],
      ["nina@contoso.com", "nina@contoso.com", "contoso.com", "none"],
      ["sven@contoso.com", "sven@mail.Contoso.com", "contoso.com", "password"],
      // Not at Keycloak yet: the e-mail the mirror would copy, the one an invitation would go to.
      ["mia@contoso.com", "mia@contoso.com", "contoso.com", "none"],
    ]);
  });

  it("the first report's fields are unchanged: totals, gaps, quarantine", async () => {
    const r = await report();
    expect(Object.keys(r).slice(0, 4)).toEqual(["generatedAt", "totals", "gaps", "quarantined"]);
    expect(r.generatedAt).toBe("2026-12-03T14:00:00.000Z");
    expect(r.totals).toMatchObject({ users: 9, ready: 6, notReady: 3, missing: 1, "no-credential": 2 });
    expect(r.gaps.map((g) => [g.key.split(":")[1], g.problems])).toEqual([
      ["nina", ["no-credential"]],
      ["mia", ["missing"]],
      ["dora", ["no-credential"]],
    ]);
  });

  it("the table adds what people would sign in with, the funnel and the people at risk", async () => {
    const table = formatReadiness(await report());
    expect(table).toMatch(/Entra users\s+9\n/);
    expect(table).toMatch(/ {2}passkey\s+1\n/);
    expect(table).toMatch(/ {2}password only\s+3\n/);
    expect(table).toMatch(/ {2}nothing yet\s+3\n/);
    expect(table).not.toContain("other credential");
    expect(table).toMatch(/ {2}invited\s+2\n/);
    expect(table).toContain("Recovery at risk: 4 people");
    expect(table).toMatch(/sven@contoso.com\s+sven@mail.Contoso.com; password only\n/);
  });

  it("without recoveryAtRisk nobody is listed; a domain that is not one is refused", async () => {
    expect((await readiness({ ...directory(people), now: NOW })).recoveryAtRisk).toEqual([]);
    const refused = await readiness({ ...directory(people), recoveryAtRisk: ["contoso com"] }).catch(
      (e) => e,
    );
    expect(refused).toBeInstanceOf(IdSwitchError);
    expect((refused as IdSwitchError).code).toBe("config_invalid");
  });
});

describe("idswitch readiness: the new options", () => {
  async function idswitch(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, {
      env: {},
      write: (line) => out.push(line),
      stderr: { write: (text) => err.push(text), isTTY: false },
    });
    return { code, out: out.join("\n"), err: err.join("") };
  }

  it("--help names --html and --recovery-at-risk", async () => {
    const help = (await idswitch(["readiness", "--help"])).out;
    expect(help).toContain("--html <file>");
    expect(help).toContain("--recovery-at-risk <domain,...>");
  });

  it("usage mistakes are exit 2, before any network", async () => {
    const empty = await idswitch(["readiness", "--recovery-at-risk", ","]);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain("--recovery-at-risk needs a domain, such as contoso.com");
    const html = await idswitch(["readiness", "--html"]);
    expect(html.code).toBe(2);
    expect(html.err).toContain("--html needs a value");
  });
});
