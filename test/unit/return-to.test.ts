// `safeReturnTo` decides where a browser goes after signing in, so a mistake is
// an open redirect (OWASP Unvalidated Redirects and Forwards; RFC 9700 §4.11).
// The corpus pins the answer for known bypasses; the property test throws
// hostile strings at it and checks what comes back, not what went in.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { safeReturnTo } from "../../src/integrations/core/return-to.js";

const APP = "https://app.example";
/** A deep base: a relative reference is resolved against the page that follows it (WHATWG URL). */
const DEEP = "https://app.example/a/b/c";

/** Inputs that must be refused, by the trick they use. */
const REFUSED: Record<string, unknown[]> = {
  "dot segments that collapse into //": [
    "/.//evil.example",
    "/x/..//evil.example",
    "/..//evil.example",
    "/a/b/../..//evil.example",
  ],
  "encoded dot segments (WHATWG URL reads %2e as a dot)": [
    "/%2e//evil.example",
    "/%2E//evil.example",
    "/%2e%2e//evil.example",
    "/.%2E//evil.example",
    "/x/%2e%2e//evil.example",
  ],
  "encoded slashes and backslashes in the path": [
    "/%2fevil.example",
    "/%2F%2Fevil.example",
    "/%5cevil.example",
    "/%5C%5Cevil.example",
    "/%2e%2e%2f%2fevil.example",
  ],
  "double and malformed encodings that a second decoding turns into separators": [
    "/%252f%252fevil.example",
    "/%255cevil.example",
    "/%252e%252e/admin",
    "/%%32f%%32fevil.example",
    "/50%off",
  ],
  "backslashes, which browsers read as slashes": [
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "\\/evil.example",
    "/x?next=\\\\evil.example",
  ],
  "control characters, dropped by URL parsers or splitting headers": [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\u0000/evil.example",
    "/x\u007f",
    "/%09/evil.example",
    "/%0d%0aSet-Cookie:%20a=1",
  ],
  "protocol-relative and absolute URLs": [
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "data:text/html,<script>alert(1)</script>",
  ],
  "leading whitespace a parser would strip": [
    " /orders",
    "\u00a0//evil.example",
    "\ufeff//evil.example",
    "\u3000/orders",
  ],
  "path parameters hiding dot segments (servlet containers strip ;params first)": [
    "/;a/..//evil.example",
    "/..;/..;//evil.example",
    "/x/%2e%2e;/admin",
  ],
  "not a path at all": ["", "orders", 42, null, undefined, ["/"], `/${"a".repeat(2048)}`],
  "too long once encoded (the output is checked, not only the input)": [`/${"é".repeat(700)}`],
};

/** Inputs that must be accepted, with the exact string returned. */
const ACCEPTED: [input: string, output: string][] = [
  ["/", "/"],
  ["/orders?page=2", "/orders?page=2"],
  ["/a/b#frag", "/a/b#frag"],
  ["/search?q=%2F", "/search?q=%2F"],
  ["/search?q=a%2Fb%5Cc%252f#%2F", "/search?q=a%2Fb%5Cc%252f#%2F"],
  ["/x?next=//evil.example", "/x?next=//evil.example"],
  ["/café", "/caf%C3%A9"],
  ["/caf%C3%A9", "/caf%C3%A9"],
  ["/a/b/../c", "/a/c"],
  ["/a/./b", "/a/b"],
  ["/x/%2e%2e/y", "/y"],
  ["/a//b", "/a//b"],
  ["/https://evil.example", "/https://evil.example"],
  ["/@evil.example", "/@evil.example"],
  ["/;jsessionid=1/orders", "/;jsessionid=1/orders"],
  ["/ /evil", "/%20/evil"],
  ["/\u00a0/evil", "/%C2%A0/evil"],
  ["/\u2000/evil", "/%E2%80%80/evil"],
  ["/\u3000/evil", "/%E3%80%80/evil"],
  ["/\ufeff/evil", "/%EF%BB%BF/evil"],
  ["/\uff0fevil.example", "/%EF%BC%8Fevil.example"],
  ["/orders ", "/orders"],
  ["/x?", "/x"],
  ["/x#", "/x"],
];

/** A test title that stays readable for 2 KiB inputs. */
function shown(input: unknown): string {
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 40 ? `${text.slice(0, 30)}… (${text.length} chars)` : text;
}

describe("safeReturnTo: known bypasses", () => {
  for (const [trick, inputs] of Object.entries(REFUSED)) {
    it.each(inputs.map((input) => [shown(input), input]))(`refuses ${trick}: %s`, (_, input) => {
      expect(safeReturnTo(input)).toBeUndefined();
    });
  }

  it.each(ACCEPTED)("accepts %j as %j", (input, output) => {
    expect(safeReturnTo(input)).toBe(output);
    expect(safeReturnTo(output)).toBe(output);
  });
});

/** Pieces an attacker combines: separators, escapes, dots, schemes, whitespace browsers or servers drop. */
const HOSTILE = [
  ..."/\\.%25efcEFC0d9a:;?#@ \t\n\r\u0000\u007f\u00a0\u2000\u2028\u3000\ufeff\uff0féx",
  ..."//,/\\,\\/,..,./,../,%2e,%2E,%2f,%2F,%5c,%5C,%25,%252f,%252e,%09,%0a,%00,%%32f,..;,;a".split(","),
  ...["javascript:", "JAVASCRIPT:", "data:", "https:", "http://", "evil.example", "app.example"],
];

const hostileString = fc
  .tuple(
    fc.constantFrom("", "/", "/", "/", "//", "\\"),
    fc.array(fc.constantFrom(...HOSTILE), { maxLength: 14 }),
  )
  .map(([start, parts]) => start + parts.join(""));

/** Any code points (lone surrogates included), mostly behind a leading slash so some get through. */
const anyUnicode = fc
  .tuple(fc.constantFrom("", "/", "/"), fc.string({ unit: "binary" }))
  .map(([start, rest]) => start + rest);

/** The origin a browser would go to, or "none" where the URL parser gives up. */
function originOf(reference: string, base: string): string {
  return URL.canParse(reference, base) ? new URL(reference, base).origin : "none";
}

/** What a router that percent-decodes the path once more would see. */
function decodedPath(out: string): string {
  const path = out.split(/[?#]/, 1)[0] ?? "";
  return path.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

describe("safeReturnTo: nothing it returns leaves the origin", () => {
  it("holds for 20 000 hostile strings (fixed seed, so a failure replays)", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(hostileString, anyUnicode), (input) => {
        const out = safeReturnTo(input);
        if (out === undefined) return;
        accepted += 1;
        expect(out).toMatch(/^\/(?![/\\])/);
        // Printable ASCII only: nothing a parser could strip, split a header on, or fold.
        expect(out).toMatch(/^[\x21-\x7e]+$/);
        expect(originOf(out, APP)).toBe(APP);
        expect(originOf(out, DEEP)).toBe(APP);
        expect(safeReturnTo(out)).toBe(out);
        const decoded = decodedPath(out);
        expect(decoded).not.toMatch(/^\/[/\\]|\\/);
        expect(originOf(decoded, DEEP)).toBe(APP);
      }),
      { seed: 20_260_611, numRuns: 20_000 },
    );
    // A generator that only ever produced refusals would prove nothing.
    expect(accepted).toBeGreaterThan(4_000);
  });
});
