import { describe, expect, it } from "vitest";
import { EventBus } from "../../../src/core/events.js";
import { MemoryStateStore } from "../../../src/core/memory-state-store.js";
import { type IndexedSession, SessionIndex } from "../../../src/sessions/session-index.js";

const HOUR = 3_600_000;

function setup(options: { authority?: string; linked?: Record<string, string> } = {}) {
  let clock = 1_800_000_000_000;
  const now = () => clock;
  const state = new MemoryStateStore({ now });
  const events = new EventBus();
  const revoked: unknown[] = [];
  events.on("session-revoked", (e) => revoked.push(e));
  const decisions: Array<[string, string, string]> = [];
  const index = new SessionIndex({
    state,
    maxAgeMs: 8 * HOUR,
    now,
    events,
    decide: async (appUserId, provider, status) => {
      if (provider !== options.authority) return false;
      decisions.push([appUserId, provider, status]);
      return true;
    },
    appUserOf: async (provider, subject) => options.linked?.[`${provider}:${subject}`],
  });
  let n = 0;
  const session = async (provider: string, subject: string, sid: string | undefined, appUserId: string) => {
    const s: IndexedSession & { sessionId: string } = {
      sessionId: `s-${++n}`,
      provider,
      appUserId,
      signedInAt: clock,
      principal: {
        subject,
        claims: { sub: subject, iat: Math.floor(clock / 1000) - 1, ...(sid ? { sid } : {}) },
      },
    };
    expect(await index.record(s)).toBe(true);
    return s;
  };
  return { index, state, session, revoked, decisions, advance: (ms: number) => (clock += ms) };
}

describe("session index", () => {
  it("a session it never saw, or one from before it existed, is not revoked", async () => {
    const { index } = setup();
    expect(await index.isRevoked({ sessionId: "never-recorded" })).toBe(false);
    expect(await index.isRevoked({})).toBe(false);
  });

  it("ends by provider sid, by person, and never another provider's session of the same ids", async () => {
    const { index, session, revoked } = setup();
    const a1 = await session("eu", "ada", "sid-1", "u-ada");
    const a2 = await session("eu", "ada", "sid-2", "u-ada");
    const other = await session("entra", "ada", "sid-1", "u-ada"); // same sid and subject, another provider
    const bob = await session("eu", "bob", "sid-3", "u-bob");

    expect(await index.end({ provider: "eu", sid: "sid-1" }, "backchannel_logout")).toBe(1);
    expect(await index.isRevoked(a1)).toBe(true);
    expect(await index.isRevoked(a2)).toBe(false);
    expect(await index.isRevoked(other)).toBe(false);

    expect(await index.end({ provider: "eu", subject: "ada" }, "session_revoked")).toBe(1); // a1 already ended
    expect(await index.isRevoked(a2)).toBe(true);
    expect(await index.isRevoked(other)).toBe(false);
    expect(await index.isRevoked(bob)).toBe(false);
    expect(revoked).toEqual([
      { provider: "eu", source: "backchannel_logout", ended: 1 },
      { provider: "eu", source: "session_revoked", ended: 1 },
    ]);
  });

  it("a sid with a subject ends only a session of that subject", async () => {
    const { index, session } = setup();
    const ada = await session("eu", "ada", "shared-sid", "u-ada");
    expect(
      await index.end({ provider: "eu", sid: "shared-sid", subject: "mallory" }, "backchannel_logout"),
    ).toBe(0);
    expect(await index.isRevoked(ada)).toBe(false);
  });

  it("a revocation lasts as long as the session could, then both are forgotten", async () => {
    const { index, session, advance, state } = setup();
    const ada = await session("eu", "ada", "sid-1", "u-ada");
    advance(7 * HOUR);
    await index.end({ provider: "eu", subject: "ada" }, "credential_change");
    advance(HOUR - 1);
    expect(await index.isRevoked(ada)).toBe(true);
    advance(2);
    expect(await state.get("idswitch:session:s-1")).toBeUndefined();
    // An ended session is dropped from the lists the next time they change.
    await session("eu", "ada", "sid-2", "u-ada");
    expect(await state.get("idswitch:sessions:eu:sub:ada")).toEqual([["s-2", expect.any(Number)]]);
  });

  it("an authority's disable binds the app user: every session ends, at every provider", async () => {
    const { index, session, decisions } = setup({ authority: "eu", linked: { "eu:ada": "u-ada" } });
    const atEu = await session("eu", "ada", "sid-1", "u-ada");
    const atEntra = await session("entra", "ada-oid", "e-sid", "u-ada");
    const bob = await session("entra", "bob-oid", "e-sid-2", "u-bob");
    expect(
      await index.accountDecided({ provider: "eu", subject: "ada" }, "disabled", "account_disabled"),
    ).toBe(2);
    expect(decisions).toEqual([["u-ada", "eu", "disabled"]]);
    expect([await index.isRevoked(atEu), await index.isRevoked(atEntra)]).toEqual([true, true]);
    expect(await index.isRevoked(bob)).toBe(false);
  });

  it("the same signal from a provider that is no authority ends only its own sessions", async () => {
    const { index, session, decisions } = setup({ authority: "eu", linked: { "entra:ada-oid": "u-ada" } });
    const atEu = await session("eu", "ada", "sid-1", "u-ada");
    const atEntra = await session("entra", "ada-oid", "e-sid", "u-ada");
    expect(
      await index.accountDecided({ provider: "entra", subject: "ada-oid" }, "disabled", "account_disabled"),
    ).toBe(1);
    expect(decisions).toEqual([]);
    expect([await index.isRevoked(atEu), await index.isRevoked(atEntra)]).toEqual([false, true]);
  });

  it("ends every session of an app user (sign out everywhere), once", async () => {
    const { index, session } = setup();
    await session("eu", "ada", "sid-1", "u-ada");
    await session("entra", "ada-oid", undefined, "u-ada");
    expect(await index.endAppUser("u-ada", "application")).toBe(2);
    expect(await index.endAppUser("u-ada", "application")).toBe(0);
  });

  it("concurrent sign-ins of one person are all listed (compare-and-set, no lost update)", async () => {
    const { index, session } = setup();
    const sessions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => session("eu", "ada", `sid-${i}`, "u-ada")),
    );
    expect(await index.end({ provider: "eu", subject: "ada" }, "session_revoked")).toBe(20);
    for (const s of sessions) expect(await index.isRevoked(s)).toBe(true);
  });

  it("a signal ends the sessions issued up to its second, never a sign-in after it, however late it comes", async () => {
    const { index } = setup();
    const signalAt = 1_800_000_000; // the provider's clock, epoch seconds
    const issuedAt = (iat: number, sessionId: string): IndexedSession & { sessionId: string } => ({
      sessionId,
      provider: "eu",
      appUserId: "u-ada",
      signedInAt: 0,
      principal: { subject: "ada", claims: { sub: "ada", iat } },
    });
    // Ada signed in again after the sign-out, before its slow signal arrived: that sign-in stands.
    const earlier = issuedAt(signalAt - 60, "earlier");
    const again = issuedAt(signalAt + 2, "again");
    expect(await index.record(earlier)).toBe(true);
    expect(await index.record(again)).toBe(true);
    expect(await index.end({ provider: "eu", subject: "ada", issuedAt: signalAt }, "session_revoked")).toBe(
      1,
    );
    expect(await index.isRevoked(earlier)).toBe(true);
    expect(await index.isRevoked(again)).toBe(false);
    // Issued before the sign-out (or in its second), recorded after it arrived: the signal ended it.
    expect(await index.record(issuedAt(signalAt - 1, "before"))).toBe(false);
    expect(await index.record(issuedAt(signalAt, "same-second"))).toBe(false);
    // Issued later: a new sign-in.
    expect(await index.record(issuedAt(signalAt + 5, "after"))).toBe(true);
    // Another person's sessions are untouched by it.
    expect(
      await index.record({
        ...issuedAt(signalAt - 1, "bob"),
        principal: { subject: "bob", claims: { iat: 1 } },
      }),
    ).toBe(true);
  });

  it("refuses to record a session whose provider session a signal ended before it was recorded", async () => {
    const { index } = setup();
    await index.end({ provider: "eu", sid: "early" }, "backchannel_logout");
    const late: IndexedSession & { sessionId: string } = {
      sessionId: "late",
      provider: "eu",
      appUserId: "u-ada",
      signedInAt: 0,
      principal: { subject: "ada", claims: { sid: "early" } },
    };
    expect(await index.record(late)).toBe(false);
  });
});
