/**
 * The commands' option parser: node:util's parseArgs splits the words, the
 * checks and messages are the CLI's own (a typo names the nearest option).
 */
import { describe, expect, it } from "vitest";
import { parseArgs } from "../../src/cli/args.js";

const SPEC = { config: "string", json: "boolean", "confirm-disables": "boolean" } as const;

describe("parseArgs", () => {
  it("reads --name value, --name=value, switches, -h and positionals (also after --)", () => {
    expect(parseArgs(["plan", "--config", "a.json", "--json", "-h"], SPEC)).toEqual({
      flags: { config: "a.json", json: true, help: true },
      positionals: ["plan"],
    });
    expect(parseArgs(["--config=a=b.json", "--", "--json"], SPEC)).toEqual({
      flags: { config: "a=b.json" },
      positionals: ["--json"],
    });
    expect(parseArgs(["-"], SPEC).positionals).toEqual(["-"]);
  });

  it("an unknown option is refused, with the nearest known one suggested", () => {
    expect(() => parseArgs(["--confirm-disable"], SPEC)).toThrow(
      "unknown option --confirm-disable (did you mean --confirm-disables?)",
    );
    expect(() => parseArgs(["--jsn=1"], SPEC)).toThrow("unknown option --jsn (did you mean --json?)");
    expect(() => parseArgs(["--state", "x"], SPEC)).toThrow(/^unknown option --state$/);
    expect(() => parseArgs(["-x"], SPEC)).toThrow(/^unknown option -x$/);
    expect(() => parseArgs(["--constructor"], SPEC)).toThrow(/^unknown option --constructor/);
  });

  it("a value missing, empty, or given to a switch", () => {
    expect(() => parseArgs(["--config"], SPEC)).toThrow("--config needs a value");
    expect(() => parseArgs(["--config="], SPEC)).toThrow("--config needs a value");
    expect(() => parseArgs(["--config", "--json"], SPEC)).toThrow("--config needs a value");
    expect(() => parseArgs(["--json=yes"], SPEC)).toThrow("--json takes no value");
  });
});
