import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SeenKeys } from "../../src/directory/mirror/seen-keys.js";

const TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";
const key = (oid: string) => `${TENANT}:${oid}`;

describe("SeenKeys (the removal sweep's record of a full round)", () => {
  it("answers exactly for thousands of object ids, past its initial capacity", () => {
    const seen = new SeenKeys(TENANT);
    const listed = Array.from({ length: 5000 }, () => randomUUID());
    const absent = Array.from({ length: 5000 }, () => randomUUID());
    for (const oid of listed) seen.add(key(oid));
    expect(seen.size).toBe(5000);
    expect(listed.every((oid) => seen.has(key(oid)))).toBe(true);
    expect(absent.some((oid) => seen.has(key(oid)))).toBe(false);
  });

  it("tells apart ids that differ in a single hex digit of any of the four words", () => {
    const seen = new SeenKeys(TENANT);
    const base = "00000000-0000-0000-0000-000000000000";
    seen.add(key(base));
    for (const position of [0, 7, 9, 14, 19, 24, 35]) {
      const near = `${base.slice(0, position)}1${base.slice(position + 1)}`;
      expect(seen.has(key(near)), near).toBe(false);
    }
    expect(seen.has(key(base))).toBe(true);
  });

  it("matches regardless of letter case, as Graph and Keycloak may spell a GUID differently", () => {
    const seen = new SeenKeys(TENANT.toUpperCase());
    seen.add(key("AABBCCDD-EEFF-0011-2233-445566778899"));
    expect(seen.has(key("aabbccdd-eeff-0011-2233-445566778899"))).toBe(true);
  });

  it("stays correct when adds and lookups interleave (the sorted index is rebuilt)", () => {
    const seen = new SeenKeys(TENANT);
    const a = randomUUID();
    const b = randomUUID();
    seen.add(key(a));
    expect(seen.has(key(b))).toBe(false);
    seen.add(key(b));
    expect(seen.has(key(b))).toBe(true);
    expect(seen.has(key(a))).toBe(true);
  });

  it("keeps keys that are not this tenant's GUIDs exactly, in a plain set", () => {
    const seen = new SeenKeys(TENANT);
    seen.add(`${TENANT}:not-a-guid`);
    seen.add(`00000000-0000-0000-0000-000000000001:${"a".repeat(8)}-0000-0000-0000-000000000000`);
    expect(seen.has(`${TENANT}:not-a-guid`)).toBe(true);
    expect(seen.has(`${TENANT}:not-a-gui`)).toBe(false);
    expect(
      seen.has(`00000000-0000-0000-0000-000000000001:${"a".repeat(8)}-0000-0000-0000-000000000000`),
    ).toBe(true);
    // The same object id under this tenant is a different person key.
    expect(seen.has(key(`${"a".repeat(8)}-0000-0000-0000-000000000000`))).toBe(false);
    expect(seen.size).toBe(2);
  });
});
