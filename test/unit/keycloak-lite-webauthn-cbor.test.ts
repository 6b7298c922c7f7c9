/**
 * Keycloak-lite's CBOR decoder (RFC 8949): what WebAuthn sends decodes, and
 * every malformed input is a CborError with a reason, never a crash.
 */
import { describe, expect, it } from "vitest";
import { CborError, decodeCbor, decodeCborPrefix } from "../../src/testing/keycloak/webauthn/cbor.js";
import { encodeCbor } from "../support/software-authenticator.js";

const hex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ""), "hex"));

describe("Keycloak-lite CBOR decoder", () => {
  it("decodes RFC 8949 Appendix A examples of the types WebAuthn uses", () => {
    expect(decodeCbor(hex("00"))).toBe(0);
    expect(decodeCbor(hex("17"))).toBe(23);
    expect(decodeCbor(hex("1818"))).toBe(24);
    expect(decodeCbor(hex("1903e8"))).toBe(1000);
    expect(decodeCbor(hex("1a000f4240"))).toBe(1_000_000);
    expect(decodeCbor(hex("1b000000e8d4a51000"))).toBe(1_000_000_000_000);
    expect(decodeCbor(hex("20"))).toBe(-1);
    expect(decodeCbor(hex("3863"))).toBe(-100);
    expect(decodeCbor(hex("390100"))).toBe(-257);
    expect(decodeCbor(hex("4401020304"))).toEqual(Uint8Array.of(1, 2, 3, 4));
    expect(decodeCbor(hex("6449455446"))).toBe("IETF");
    expect(decodeCbor(hex("62c3bc"))).toBe("ü");
    expect(decodeCbor(hex("f4"))).toBe(false);
    expect(decodeCbor(hex("f5"))).toBe(true);
    expect(decodeCbor(hex("f6"))).toBe(null);
    expect(decodeCbor(hex("f7"))).toBe(undefined);
    expect(decodeCbor(hex("8301820203820405"))).toEqual([1, [2, 3], [4, 5]]);
    expect(decodeCbor(hex("a201020304"))).toEqual(
      new Map([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(decodeCbor(hex("a26161016162820203"))).toEqual(
      new Map<string, unknown>([
        ["a", 1],
        ["b", [2, 3]],
      ]),
    );
  });

  it("decodes a COSE key and an attestation object as the test authenticator encodes them", () => {
    const cose = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(32).fill(7)],
      [-3, new Uint8Array(32).fill(9)],
    ]);
    expect(decodeCbor(encodeCbor(cose))).toEqual(cose);
    const bytes = encodeCbor(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", new Uint8Array(300)],
      ]) as never,
    );
    const decoded = decodeCbor(bytes) as Map<string, unknown>;
    expect(decoded.get("fmt")).toBe("none");
    expect((decoded.get("authData") as Uint8Array).length).toBe(300);
  });

  it("decodes a prefix and says where the item ends", () => {
    expect(decodeCborPrefix(hex("0102ff"), 1)).toEqual({ value: 2, end: 2 });
  });

  it.each([
    ["empty input", ""],
    ["a truncated argument", "19 03"],
    ["a byte string running past the end", "44 0102"],
    ["a text string running past the end", "64 4945"],
    ["an array whose items are missing", "83 01 02"],
    ["a map whose value is missing", "a1 01"],
    ["a huge array length", "9b 0000 0001 0000 0000"],
    ["a huge map length", "ba 7fff ffff"],
    ["trailing bytes", "01 02"],
    ["an indefinite-length byte string", "5f 4101 ff"],
    ["an indefinite-length array", "9f 01 ff"],
    ["a tag", "c1 1a514b67b0"],
    ["a half float", "f9 3c00"],
    ["a double", "fb 3ff199999999999a"],
    ["an unassigned simple value", "f0"],
    ["reserved additional information", "1c"],
    ["an integer beyond 2^53", "1b ffff ffff ffff ffff"],
    ["invalid UTF-8", "62 c328"],
    ["a duplicate map key", "a2 01 02 01 03"],
    ["an array as a map key", "a1 80 01"],
    ["nesting deeper than 16 levels", `${"81".repeat(20)}01`],
  ])("refuses %s with a CborError", (_name, input) => {
    const attempt = () => decodeCbor(hex(input));
    expect(attempt).toThrow(CborError);
    expect(attempt).toThrow(/^CBOR: /);
  });

  it("never throws anything but a CborError on random bytes", () => {
    for (let i = 0; i < 2_000; i++) {
      const bytes = new Uint8Array(1 + (i % 40)).map(() => Math.floor(Math.random() * 256));
      try {
        decodeCbor(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(CborError);
      }
    }
  });
});
