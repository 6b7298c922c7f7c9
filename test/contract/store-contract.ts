/**
 * One contract suite for every store: the in-memory
 * stores, SQLite, PostgreSQL and Redis must all pass the same tests, so an
 * application can swap one for another without a change in behaviour.
 *
 * A store file calls `describeLinkStoreContract` / `describeStateStoreContract`
 * with a way to open a fresh, empty store; what is particular to a backend
 * (crash safety, migrations, races across processes) lives beside it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  LinkConflictError,
  type LinkStore,
  type ListLinksOptions,
  type ProviderAccount,
  type StateStore,
  type StateValue,
} from "../../src/index.js";
import { rejectionOf } from "../support/rejection.js";

export interface LinkStoreHarness {
  /** A new, empty store (the suite closes it after each test). */
  open(): Promise<LinkStore>;
}

export interface StateStoreHarness {
  /** A new, empty store (the suite closes it after each test). */
  open(): Promise<StateStore>;
  /**
   * Lets `ms` of the store's time pass: moves an injected clock, or sleeps
   * for a store on a real clock (keep its TTLs short: 50–200 ms).
   */
  elapse(ms: number): Promise<void>;
  /** True when `elapse` moves an injected clock, so boundaries can be tested to the millisecond. */
  readonly exactClock: boolean;
}

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const entra = (subject: string, tenant = "tid-1"): ProviderAccount => ({
  provider: "entra",
  tenant,
  subject,
});

export function describeLinkStoreContract(name: string, harness: LinkStoreHarness): void {
  describe(`LinkStore contract: ${name}`, () => {
    let store: LinkStore;
    beforeEach(async () => {
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close?.();
    });

    it("finds nothing for an unknown account", async () => {
      expect(await store.find(entra("nobody"))).toBeUndefined();
      expect(await store.linksOf("user-none")).toEqual([]);
      expect(await store.list()).toEqual([]);
    });

    it("keeps an authority's binding decision per app user and authority until it is cleared", async () => {
      expect(await store.authorityDecisions?.("user-a")).toEqual([]);
      await store.recordAuthorityDecision?.({
        appUserId: "user-a",
        provider: "eu",
        status: "disabled",
        at: T0,
      });
      await store.recordAuthorityDecision?.({
        appUserId: "user-b",
        provider: "eu",
        status: "deleted",
        at: T0,
      });
      // A later word of the same authority replaces the earlier one.
      await store.recordAuthorityDecision?.({
        appUserId: "user-a",
        provider: "eu",
        status: "deleted",
        at: T0 + 1,
      });
      expect(await store.authorityDecisions?.("user-a")).toEqual([
        { appUserId: "user-a", provider: "eu", status: "deleted", at: T0 + 1 },
      ]);
      expect(await store.clearAuthorityDecision?.("user-a", "eu")).toBe(true);
      expect(await store.clearAuthorityDecision?.("user-a", "eu")).toBe(false);
      expect(await store.authorityDecisions?.("user-a")).toEqual([]);
      expect(await store.authorityDecisions?.("user-b")).toHaveLength(1);
    });

    it("findOrCreate records how a new app user's link came to be (a link claim's reservation)", async () => {
      const reserved = await store.findOrCreate(entra("oid-r"), {
        newAppUserId: "user-r",
        now: T0,
        method: "link-claim",
      });
      expect(reserved.link).toMatchObject({ appUserId: "user-r", method: "link-claim" });
      expect(await store.find(entra("oid-r"))).toMatchObject({ method: "link-claim" });
    });

    it("findOrCreate makes a new app user once, then returns the same link", async () => {
      const first = await store.findOrCreate(entra("oid-1"), { newAppUserId: "user-1", now: T0 });
      expect(first).toEqual({
        created: true,
        link: {
          provider: "entra",
          tenant: "tid-1",
          subject: "oid-1",
          appUserId: "user-1",
          method: "new-user",
          createdAt: T0,
        },
      });
      const again = await store.findOrCreate(entra("oid-1"), { newAppUserId: "user-2", now: T0 + 5 });
      expect(again).toEqual({ created: false, link: first.link });
      expect(await store.find(entra("oid-1"))).toEqual(first.link);
    });

    it("keeps ids exactly as given (quotes, SQL, unicode, empty tenant, case)", async () => {
      const odd: ProviderAccount[] = [
        { provider: "eu", tenant: "", subject: "'; DROP TABLE links; --" },
        { provider: "eu", tenant: 'realm "x"', subject: "ünïcødé 👩‍💻" },
        { provider: "eu", tenant: "", subject: "ABC" },
        { provider: "eu", tenant: "", subject: "abc" },
        { provider: "eu", tenant: "x", subject: "abc" },
      ];
      for (const [i, account] of odd.entries()) {
        const { created } = await store.findOrCreate(account, { newAppUserId: `u${i}`, now: T0 + i });
        expect(created, JSON.stringify(account)).toBe(true);
      }
      for (const [i, account] of odd.entries()) {
        expect((await store.find(account))?.appUserId).toBe(`u${i}`);
      }
    });

    it("links a second account to an existing app user, idempotently", async () => {
      await store.findOrCreate(entra("oid-1"), { newAppUserId: "user-1", now: T0 });
      const eu = { provider: "eu", tenant: "acme", subject: "kc-1" };
      const link = await store.link(eu, "user-1", { method: "explicit", now: T0 + 10 });
      expect(link).toEqual({ ...eu, appUserId: "user-1", method: "explicit", createdAt: T0 + 10 });
      // Again, later and by another method: the original link stands.
      expect(await store.link(eu, "user-1", { method: "manual", now: T0 + 99 })).toEqual(link);
      expect(await store.find(eu)).toEqual(link);
    });

    it("never moves a link: a LinkConflictError names the current owner", async () => {
      await store.findOrCreate(entra("oid-1"), { newAppUserId: "user-1", now: T0 });
      const error = await rejectionOf(store.link(entra("oid-1"), "user-2", { method: "explicit", now: T0 }));
      expect(error).toBeInstanceOf(LinkConflictError);
      expect((error as LinkConflictError).existingAppUserId).toBe("user-1");
      expect((error as LinkConflictError).account).toEqual(entra("oid-1"));
      expect((await store.find(entra("oid-1")))?.appUserId).toBe("user-1");
    });

    it("unlinks once, after which the account can be linked anew", async () => {
      await store.findOrCreate(entra("oid-1"), { newAppUserId: "user-1", now: T0 });
      expect(await store.unlink(entra("oid-1"))).toBe(true);
      expect(await store.unlink(entra("oid-1"))).toBe(false);
      expect(await store.find(entra("oid-1"))).toBeUndefined();
      const relinked = await store.link(entra("oid-1"), "user-2", { method: "manual", now: T0 + 1 });
      expect(relinked.appUserId).toBe("user-2");
    });

    it("lists an app user's links oldest first, ties in insertion order", async () => {
      await store.link(entra("b"), "user-1", { method: "manual", now: T0 + 20 });
      await store.link(entra("z"), "user-1", { method: "manual", now: T0 + 10 });
      await store.link(entra("a"), "user-1", { method: "manual", now: T0 + 20 });
      await store.link(entra("other"), "user-2", { method: "manual", now: T0 });
      const subjects = (await store.linksOf("user-1")).map((l) => l.subject);
      expect(subjects).toEqual(["z", "b", "a"]);
    });

    it("pages through all links in code-unit order (app user, provider, tenant, subject)", async () => {
      // Upper case before lower, a prefix before its extensions, Latin-1 after ASCII:
      // byte order in SQL (COLLATE "C", BINARY), code-unit order in JavaScript.
      const users = ["b", "B", "a", "aa", "é", "Z", "a b"];
      for (const [i, user] of users.entries()) {
        await store.link(entra(`s${i}`), user, { method: "manual", now: T0 + i });
        await store.link({ provider: "eu", tenant: "", subject: `s${i}` }, user, {
          method: "manual",
          now: T0,
        });
        await store.link({ provider: "Eu", tenant: "t", subject: `s${i}` }, user, {
          method: "manual",
          now: T0,
        });
      }
      const expected = (await store.list({ limit: 1000 })).map((l) => [l.appUserId, l.provider]);
      expect(expected.map(([user]) => user)).toEqual([
        "B",
        "B",
        "B",
        "Z",
        "Z",
        "Z",
        "a",
        "a",
        "a",
        "a b",
        "a b",
        "a b",
        "aa",
        "aa",
        "aa",
        "b",
        "b",
        "b",
        "é",
        "é",
        "é",
      ]);
      expect(expected.slice(0, 3).map(([, provider]) => provider)).toEqual(["Eu", "entra", "eu"]);

      const paged: string[] = [];
      let after: ListLinksOptions["after"];
      for (let page = 0; page < 10; page++) {
        const links = await store.list({ after, limit: 4 });
        expect(links.length).toBeLessThanOrEqual(4);
        if (links.length === 0) break;
        paged.push(...links.map((l) => `${l.appUserId}|${l.provider}|${l.subject}`));
        after = links.at(-1);
      }
      const all = (await store.list()).map((l) => `${l.appUserId}|${l.provider}|${l.subject}`);
      expect(all).toHaveLength(21);
      expect(paged).toEqual(all);
      expect(await store.list({ limit: 0 })).toEqual([]);
    });

    it("makes one app user when the same account signs in many times at once", async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.findOrCreate(entra("racer"), { newAppUserId: `user-${i}`, now: T0 + i }),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.link.appUserId)).size).toBe(1);
      expect(await store.list()).toHaveLength(1);
    });
  });
}

export function describeStateStoreContract(name: string, harness: StateStoreHarness): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    beforeEach(async () => {
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close?.();
    });

    /** Waits (in steps of the store's time) until `read` gives `expected`; fails after 2 s of real time. */
    async function eventually<T>(read: () => Promise<T>, expected: T, step = 25): Promise<void> {
      await expect
        .poll(
          async () => {
            await harness.elapse(step);
            return read();
          },
          { timeout: 2000, interval: 1 },
        )
        .toEqual(expected);
    }

    it("round-trips JSON values", async () => {
      const values: StateValue[] = [
        null,
        false,
        0,
        -1.5,
        "",
        'ünïcødé 👩‍💻 "quoted" \n',
        [1, "two", [null]],
        { a: { b: [true, { c: "d" }] }, "key with space": 1 },
      ];
      for (const [i, value] of values.entries()) await store.set(`v${i}`, value);
      for (const [i, value] of values.entries()) expect(await store.get(`v${i}`)).toEqual(value);
      expect(await store.get("absent")).toBeUndefined();
    });

    it("stores a copy, not the caller's object", async () => {
      const value = { list: [1] };
      await store.set("k", value);
      value.list.push(2);
      const read = await store.get<{ list: number[] }>("k");
      expect(read).toEqual({ list: [1] });
      read?.list.push(3);
      expect(await store.get("k")).toEqual({ list: [1] });
    });

    it("keeps keys apart exactly as given", async () => {
      await store.set("a", 1);
      await store.set("A", 2);
      await store.set("a:b", 3);
      await store.set("a*", 4);
      expect([
        await store.get("a"),
        await store.get("A"),
        await store.get("a:b"),
        await store.get("a*"),
      ]).toEqual([1, 2, 3, 4]);
    });

    it("overwrites and deletes", async () => {
      await store.set("k", "one");
      await store.set("k", "two");
      expect(await store.get("k")).toBe("two");
      await store.delete("k");
      await store.delete("k");
      expect(await store.get("k")).toBeUndefined();
    });

    it("forgets a value after its time to live", async () => {
      await store.set("k", "v", { ttlMs: 100 });
      await store.set("forever", "v");
      if (harness.exactClock) {
        await harness.elapse(99);
        expect(await store.get("k")).toBe("v");
      } else {
        expect(await store.get("k")).toBe("v");
      }
      await eventually(() => store.get("k"), undefined);
      expect(await store.get("forever")).toBe("v");
    });

    it("a later set without a time to live keeps the value for good", async () => {
      await store.set("k", "short", { ttlMs: 100 });
      await store.set("k", "long");
      await harness.elapse(150);
      expect(await store.get("k")).toBe("long");
    });

    it("rejects a time to live that is not a positive number", async () => {
      for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(await rejectionOf(store.set("k", 1, { ttlMs }))).toBeInstanceOf(TypeError);
      }
      expect(await store.get("k")).toBeUndefined();
    });

    it("add stores only when the key holds nothing (or only something expired)", async () => {
      expect(await store.add("k", { n: 1 }, { ttlMs: 100 })).toBe(true);
      expect(await store.add("k", { n: 2 })).toBe(false);
      expect(await store.get("k")).toEqual({ n: 1 });
      await eventually(() => store.get("k"), undefined);
      expect(await store.add("k", { n: 3 })).toBe(true);
      expect(await store.get("k")).toEqual({ n: 3 });
    });

    it("take reads and deletes: one taker of many gets the value", async () => {
      await store.set("login", { state: "s1" });
      const taken = await Promise.all(Array.from({ length: 20 }, () => store.take("login")));
      expect(taken.filter((t) => t !== undefined)).toEqual([{ state: "s1" }]);
      expect(await store.get("login")).toBeUndefined();
      expect(await store.take("absent")).toBeUndefined();
    });

    it("take gives nothing once the value expired", async () => {
      await store.set("k", "v", { ttlMs: 100 });
      await eventually(() => store.get("k"), undefined);
      expect(await store.take("k")).toBeUndefined();
    });

    it("increment counts from zero, by any step, from a number set before", async () => {
      expect(await store.increment("c")).toBe(1);
      expect(await store.increment("c")).toBe(2);
      expect(await store.increment("c", { by: 5 })).toBe(7);
      expect(await store.increment("c", { by: -10 })).toBe(-3);
      expect(await store.get("c")).toBe(-3);
      await store.set("d", 40);
      expect(await store.increment("d", { by: 2 })).toBe(42);
      const many = await Promise.all(Array.from({ length: 20 }, () => store.increment("e")));
      expect([...many].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it("increment adds fractions, and restarts a value that is not a number at the step", async () => {
      await store.set("f", 1.5);
      expect(await store.increment("f")).toBe(2.5);
      await store.set("t", { not: "a number" });
      expect(await store.increment("t", { by: 3 })).toBe(3);
      expect(await store.get("t")).toBe(3);
    });

    it("increment keeps the window it was created with: later increments do not extend it", async () => {
      expect(await store.increment("c", { ttlMs: 150 })).toBe(1);
      // Increment every step; were each increment to extend the TTL, the counter would never restart at 1.
      await expect
        .poll(
          async () => {
            await harness.elapse(20);
            return store.increment("c", { ttlMs: 150 });
          },
          { timeout: 3000, interval: 1 },
        )
        .toBe(1);
    });

    it("compareAndSet replaces only while the value still equals the expected one", async () => {
      expect(await store.compareAndSet("k", undefined, { v: 1 })).toBe(true);
      expect(await store.compareAndSet("k", undefined, { v: 2 })).toBe(false);
      expect(await store.compareAndSet("k", { v: 9 }, { v: 2 })).toBe(false);
      expect(await store.get("k")).toEqual({ v: 1 });
      expect(await store.compareAndSet("k", { v: 1 }, { v: 2 }, { ttlMs: 100 })).toBe(true);
      expect(await store.get("k")).toEqual({ v: 2 });
      await eventually(() => store.get("k"), undefined);
      expect(await store.compareAndSet("k", undefined, "again")).toBe(true);
    });

    it("compareAndSet lets exactly one of many concurrent writers win", async () => {
      await store.set("breaker", { state: "closed", epoch: 0 });
      const wins = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.compareAndSet("breaker", { state: "closed", epoch: 0 }, { state: "open", epoch: i + 1 }),
        ),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      const winner = wins.indexOf(true) + 1;
      expect(await store.get("breaker")).toEqual({ state: "open", epoch: winner });
    });

    it("publishes to subscribers of the channel, until they unsubscribe (if it notifies)", async () => {
      if (!store.publish || !store.subscribe) {
        expect(store.publish).toBeUndefined();
        expect(store.subscribe).toBeUndefined();
        return;
      }
      const heard: string[] = [];
      const other: string[] = [];
      const stop = await store.subscribe("breaker", (message) => heard.push(message));
      const stopOther = await store.subscribe("marks", (message) => other.push(message));
      await store.publish("breaker", "open:entra");
      await expect.poll(() => heard, { timeout: 2000 }).toEqual(["open:entra"]);
      await stop();
      await store.publish("breaker", "closed:entra");
      await store.publish("marks", "done");
      await expect.poll(() => other, { timeout: 2000 }).toEqual(["done"]);
      expect(heard).toEqual(["open:entra"]);
      await stopOther();
    });
  });
}
