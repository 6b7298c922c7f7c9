/**
 * The onboarding campaign without a network: a fake Keycloak Admin API behind the target's injected
 * `fetch`, a directory source of plain objects, a clock the test moves. Whom it picks and skips, batches,
 * reminders only after the delay, write-ahead recording that survives a kill (in doubt: never sent twice),
 * the realm checks that stop it before the first e-mail, and the rate.
 */
import { describe, expect, it } from "vitest";
import type { DirectorySource } from "../../src/directory/entra/source.js";
import type { OnboardOptionsInput } from "../../src/directory/index.js";
import { keycloakDirectory, onboard } from "../../src/directory/index.js";
import { pacer } from "../../src/directory/onboard/pace.js";
import { IdSwitchError, MemoryStateStore } from "../../src/index.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const DAY = 86_400_000;
const START = Date.parse("2026-12-01T09:00:00Z");

interface Person {
  id: string;
  oid: string;
  username: string;
  email?: string | undefined;
  enabled?: boolean;
  entra?: "enabled" | "disabled" | "gone";
  credentials?: string[] | undefined;
  brokered?: boolean;
}

function person(i: number, extra: Partial<Person> = {}): Person {
  const oid = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
  return { id: `kc-${i}`, oid, username: `user${i}`, email: `user${i}@contoso.example`, ...extra };
}

const keyOf = (p: Person) => `${TENANT}:${p.oid}`;

/** The mirror's quarantine as it stores it (a disable at Entra nobody has settled yet). */
const quarantine = (p: Person) => ({
  [keyOf(p)]: { key: keyOf(p), why: "untrusted-initiator", since: "2026-11-30T00:00:00.000Z" },
});

/** Keycloak's Admin API as far as the campaign uses it; records each execute-actions e-mail. */
function fakeKeycloak(people: Person[], realm: { smtp?: boolean; actionEnabled?: boolean } = {}) {
  const sent: Array<{ userId: string; actions: string[]; query: URLSearchParams }> = [];
  let failNext: (() => Response | Promise<Response>) | undefined;
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const path = url.pathname.replace("/admin/realms/acme", "");
    if (url.pathname.endsWith("/openid-connect/token")) return json({ access_token: "t", expires_in: 300 });
    if (path.startsWith("/authentication/required-actions/")) {
      return json({ alias: path.split("/").pop(), enabled: realm.actionEnabled ?? true });
    }
    if (path === "")
      return json({ realm: "acme", smtpServer: realm.smtp === false ? {} : { host: "h", from: "f@x" } });
    if (path === "/users") {
      const first = Number(url.searchParams.get("first"));
      const max = Number(url.searchParams.get("max"));
      return json(
        people.slice(first, first + max).map((p) => ({
          id: p.id,
          username: p.username,
          enabled: p.enabled ?? true,
          email: p.email,
          attributes: { entra_id: [keyOf(p)] },
        })),
      );
    }
    const [, , id, what] = path.split("/");
    const p = people.find((x) => x.id === id);
    if (!p) return json({ error: "User not found" }, 404);
    if (what === "credentials") return json((p.credentials ?? []).map((type) => ({ type })));
    if (what === "federated-identity") return json(p.brokered ? [{ identityProvider: "corp" }] : []);
    if (what === "execute-actions-email" && init?.method === "PUT") {
      const fail = failNext;
      if (fail) return fail();
      sent.push({ userId: p.id, actions: JSON.parse(String(init.body)), query: url.searchParams });
      return new Response(null, { status: 204 });
    }
    return json({ error: "unexpected" }, 500);
  };
  return {
    fetch,
    sent,
    failWith(answer: (() => Response | Promise<Response>) | undefined) {
      failNext = answer;
    },
  };
}

function sourceOf(people: Person[]): DirectorySource {
  const none = async function* (): AsyncGenerator<never> {};
  return {
    id: "entra",
    tenantId: TENANT,
    userPages: none,
    groups: none,
    groupUsers: none,
    roleAssignments: none,
    userGroups: async () => [],
    async *users() {
      for (const p of people) {
        if (p.entra === "gone") continue;
        yield {
          key: keyOf(p),
          tenantId: TENANT,
          objectId: p.oid,
          userPrincipalName: `${p.username}@contoso.example`,
          mail: p.email,
          givenName: undefined,
          surname: undefined,
          displayName: undefined,
          accountEnabled: p.entra !== "disabled",
        };
      }
    },
  };
}

function bed(people: Person[], realm: { smtp?: boolean; actionEnabled?: boolean } = {}) {
  const keycloak = fakeKeycloak(people, realm);
  const state = new MemoryStateStore();
  const clock = { now: START };
  const target = keycloakDirectory({
    url: "https://kc.example.eu",
    realm: "acme",
    clientId: "mirror",
    clientSecret: "s",
    retry: { attempts: 1, backoffMs: 0 },
    runtime: { fetch: keycloak.fetch },
  });
  const campaign = (extra: Partial<OnboardOptionsInput> = {}) =>
    onboard({
      source: sourceOf(people),
      target,
      state,
      ratePerSecond: 1000,
      now: () => clock.now,
      ...extra,
    });
  const invited = async () =>
    (await state.get<Record<string, { invitedAt: string; reminders: number; lastSentAt: string }>>(
      "idswitch:onboard:default:invited",
    )) ?? {};
  return { keycloak, state, clock, campaign, invited };
}

describe("whom a campaign e-mails", () => {
  const people = [
    person(0),
    person(1, { enabled: false }),
    person(2, { entra: "disabled" }),
    person(3, { entra: "gone" }),
    person(4), // quarantined below
    person(5, { email: undefined }),
    person(6, { credentials: ["password"] }),
    person(7, { brokered: true }),
    person(8),
  ];

  it("people without a credential, enabled on both sides, not quarantined, with an address; plan sends nothing", async () => {
    const { keycloak, state, campaign } = bed(people);
    await state.set("idswitch:mirror:default:quarantine", quarantine(people[4] as Person));
    const plan = await campaign().plan();
    expect(plan.batch.map((e) => e.username)).toEqual(["user0", "user8"]);
    expect(plan).toMatchObject({
      mirrored: 9,
      due: { invite: 2, remind: 0 },
      remaining: 0,
      actions: ["webauthn-register-passwordless"],
      problems: [],
      inDoubt: [],
      skipped: {
        hasCredential: 2,
        disabledAtKeycloak: 1,
        disabledAtEntra: 2,
        quarantined: 1,
        noEmail: 1,
        waiting: 0,
        remindersExhausted: 0,
      },
    });
    expect(keycloak.sent).toHaveLength(0);
    expect(await state.get("idswitch:onboard:default:invited")).toBeUndefined();
  });

  it("send e-mails them, records when, and sends nothing more until a reminder is due", async () => {
    const { keycloak, state, campaign, invited } = bed(people);
    await state.set("idswitch:mirror:default:quarantine", quarantine(people[4] as Person));
    const result = await campaign({
      withPassword: true,
      clientId: "web",
      redirectUri: "https://app.example/",
    }).send();
    expect(result).toMatchObject({ status: "done", sent: { invite: 2, remind: 0 }, remaining: 0 });
    expect(keycloak.sent.map((s) => s.userId)).toEqual(["kc-0", "kc-8"]);
    expect(keycloak.sent[0]?.actions).toEqual(["webauthn-register-passwordless", "UPDATE_PASSWORD"]);
    expect(Object.fromEntries(keycloak.sent[0]?.query ?? [])).toEqual({
      lifespan: String(7 * 86_400), // the reminder period: a fresh link arrives as the last one expires
      client_id: "web",
      redirect_uri: "https://app.example/",
    });
    const at = new Date(START).toISOString();
    expect(await invited()).toEqual({
      [keyOf(people[0] as Person)]: { invitedAt: at, reminders: 0, lastSentAt: at },
      [keyOf(people[8] as Person)]: { invitedAt: at, reminders: 0, lastSentAt: at },
    });
    expect((await campaign().send()).sent).toEqual({ invite: 0, remind: 0 });
    expect(keycloak.sent).toHaveLength(2);
  });
});

describe("batches and reminders", () => {
  const people = Array.from({ length: 25 }, (_, i) => person(i));

  it("batches of 10: three runs e-mail 25 people once each", async () => {
    const { keycloak, campaign } = bed(people);
    const remaining = [];
    for (let run = 0; run < 3; run++) remaining.push((await campaign({ batch: 10 }).send()).remaining);
    expect(remaining).toEqual([15, 5, 0]);
    expect(keycloak.sent).toHaveLength(25);
    expect(new Set(keycloak.sent.map((s) => s.userId)).size).toBe(25);
  });

  it("a reminder only once remindAfter has passed since the last e-mail, one per period, counted", async () => {
    const { keycloak, clock, campaign, invited } = bed(people.slice(0, 3));
    await campaign().send();
    (people[2] as Person).credentials = ["webauthn-passwordless"]; // registered meanwhile: no reminder
    clock.now = START + 7 * DAY - 1;
    expect((await campaign().plan()).skipped.waiting).toBe(3);
    expect((await campaign().send()).sent).toEqual({ invite: 0, remind: 0 });
    clock.now = START + 7 * DAY;
    const plan = await campaign().plan();
    expect(plan.batch.map((e) => [e.kind, e.username, e.reminder])).toEqual([
      ["remind", "user0", 1],
      ["remind", "user1", 1],
    ]);
    expect((await campaign().send()).sent).toEqual({ invite: 0, remind: 2 });
    expect((await campaign().send()).sent).toEqual({ invite: 0, remind: 0 }); // once per period
    clock.now = START + 14 * DAY + 5;
    expect((await campaign({ maxReminders: 2 }).send()).sent).toEqual({ invite: 0, remind: 2 });
    clock.now = START + 30 * DAY;
    const exhausted = await campaign({ maxReminders: 2 }).plan();
    expect(exhausted.skipped.remindersExhausted).toBe(2);
    expect(keycloak.sent).toHaveLength(3 + 2 + 2);
    const record = (await invited())[keyOf(people[0] as Person)];
    expect(record).toEqual({
      invitedAt: new Date(START).toISOString(),
      reminders: 2,
      lastSentAt: new Date(START + 14 * DAY + 5).toISOString(),
    });
    (people[2] as Person).credentials = undefined;
  });
});

describe("stopped and failing runs", () => {
  const people = Array.from({ length: 30 }, (_, i) => person(i));

  it("killed with e-mails on their way: the next run counts them as sent (in doubt) and never sends them again", async () => {
    const { keycloak, state, campaign, invited } = bed(people);
    // What a run killed mid-chunk leaves: its intents, written before the e-mails.
    const at = new Date(START - 60_000).toISOString();
    const doubt = people.slice(0, 3).map(keyOf);
    await state.set(
      "idswitch:onboard:default:sending",
      Object.fromEntries(doubt.map((key) => [key, { key, at, kind: "invite" }])),
    );
    const plan = await campaign().plan();
    expect(plan.inDoubt).toEqual(doubt);
    expect(plan.due.invite).toBe(27);
    const result = await campaign().send();
    expect(result).toMatchObject({ sent: { invite: 27, remind: 0 }, inDoubt: doubt });
    expect(keycloak.sent.map((s) => s.userId)).not.toContain("kc-0");
    expect((await invited())[doubt[0] as string]).toEqual({ invitedAt: at, reminders: 0, lastSentAt: at });
    expect(await state.get("idswitch:onboard:default:sending")).toEqual({});
  });

  it("Keycloak refusing the request stops the run: what was sent is recorded, nothing left in doubt", async () => {
    const { keycloak, state, campaign, invited } = bed(people);
    let calls = 0;
    const refuse = () => {
      calls++;
      return new Response(JSON.stringify({ errorMessage: "Client doesn't exist" }), { status: 400 });
    };
    // After 12 e-mails, Keycloak answers 400 (as it does for a client that does not exist).
    const original = keycloak.sent.push.bind(keycloak.sent);
    keycloak.sent.push = (...items) => {
      const n = original(...items);
      if (n === 12) keycloak.failWith(refuse);
      return n;
    };
    const campaignRun = campaign({ concurrency: 1 });
    const err = await campaignRun.send().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdSwitchError);
    expect(err).toMatchObject({ code: "config_invalid" });
    expect(calls).toBe(1);
    expect(Object.keys(await invited())).toHaveLength(12);
    expect(await state.get("idswitch:onboard:default:sending")).toEqual({});
    keycloak.failWith(undefined);
    keycloak.sent.push = original;
    const rest = await campaign().send();
    expect(rest.sent.invite).toBe(18);
    expect(new Set(keycloak.sent.map((s) => s.userId)).size).toBe(30);
  });

  it("no answer at all (the network): that e-mail stays in doubt and is not sent again", async () => {
    const { keycloak, campaign, invited } = bed(people.slice(0, 5));
    keycloak.failWith(() => Promise.reject(new TypeError("fetch failed")));
    const err = await campaign({ concurrency: 1 })
      .send()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "provider_unavailable", reason: "network" });
    keycloak.failWith(undefined);
    const next = await campaign().send();
    expect(next.inDoubt).toEqual([keyOf(people[0] as Person)]);
    expect(next.sent.invite).toBe(4);
    expect(Object.keys(await invited())).toHaveLength(5);
  });

  it("an aborted signal stops between chunks: status stopped, the rest is left for the next run", async () => {
    const { keycloak, campaign } = bed(people);
    const stop = new AbortController();
    const result = await campaign({
      onProgress: (p) => (p.phase === "send" && p.sent === 10 ? stop.abort() : undefined),
      signal: stop.signal,
    }).send();
    expect(result).toMatchObject({ status: "stopped", sent: { invite: 10 }, remaining: 20 });
    expect((await campaign().send()).sent.invite).toBe(20);
    expect(new Set(keycloak.sent.map((s) => s.userId)).size).toBe(30);
  });
});

describe("the realm", () => {
  it("no SMTP server or the passkey action disabled: plan says so, send refuses before any e-mail", async () => {
    const { keycloak, campaign } = bed([person(0)], { smtp: false, actionEnabled: false });
    const plan = await campaign().plan();
    expect(plan.problems.map((p) => p.what)).toEqual([
      'the required action "webauthn-register-passwordless" is disabled in realm acme',
      "realm acme: no SMTP server: Keycloak cannot send the e-mail that asks a person to register a passkey",
      `realm acme: no sender address: Keycloak fails every execute-actions e-mail with 500 "Invalid sender address 'null'"`,
    ]);
    const err = await campaign()
      .send()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "config_invalid", reason: "realm_cannot_send" });
    expect(keycloak.sent).toHaveLength(0);
  });

  it("redirectUri without clientId is a configuration error", () => {
    const { campaign } = bed([]);
    expect(() => campaign({ redirectUri: "https://app.example/" })).toThrow(/clientId/);
  });
});

describe("pacer", () => {
  it("spaces starts evenly at the rate, whatever is in flight", async () => {
    let now = 0;
    const waits: number[] = [];
    const pace = pacer(
      10,
      () => now,
      async (ms) => {
        waits.push(ms);
        now += ms;
      },
    );
    for (let i = 0; i < 5; i++) await pace.turn();
    expect(waits).toEqual([100, 100, 100, 100]);
    expect(now).toBe(400);
  });
});
