/**
 * `idswitch onboard` before anything is read: its help, its options turned into `onboard()` options, and
 * every malformed value a usage error (exit 2) rather than a campaign run with a default.
 */
import { describe, expect, it } from "vitest";
import { parseArgs } from "../../src/cli/args.js";
import { main } from "../../src/cli/main.js";
import { campaignOptions, ONBOARD_FLAGS, perSecond, seconds } from "../../src/cli/onboard.js";

async function idswitch(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    env: {},
    write: (line) => out.push(line),
    stderr: { write: (text) => err.push(text), isTTY: false },
  });
  return { code, out: out.join("\n"), err: err.join("") };
}

describe("idswitch onboard", () => {
  it("is listed in the help; plan and send have their own", async () => {
    expect((await idswitch(["help"])).out).toMatch(/onboard {5}e-mail mirrored people/);
    const help = await idswitch(["onboard", "--help"]);
    expect(help).toMatchObject({ code: 0 });
    expect(help.out).toMatch(/webauthn-register-passwordless/);
    expect((await idswitch(["onboard", "send", "--help"])).out).toMatch(/--remind-after <time>/);
    expect((await idswitch(["onboard", "plan", "-h"])).out).toMatch(/sends nothing/);
  });

  it("usage errors exit 2 before any configuration is read", async () => {
    for (const args of [
      ["onboard"],
      ["onboard", "launch"],
      ["onboard", "send", "--rate", "fast"],
      ["onboard", "send", "--batch", "0"],
      ["onboard", "send", "--remind-after", "7"],
      ["onboard", "send", "--redirect-uri", "https://app.example/"],
      ["onboard", "send", "--with-pasword"],
    ]) {
      const run = await idswitch(args);
      expect(run.code, args.join(" ")).toBe(2);
    }
    expect((await idswitch(["onboard", "send", "--with-pasword"])).err).toMatch(
      /did you mean --with-password/,
    );
  });

  it("options become onboard() options", () => {
    const parsed = parseArgs(
      [
        "--batch",
        "100",
        "--rate",
        "300/min",
        "--remind-after",
        "36h",
        "--max-reminders",
        "2",
        "--lifespan",
        "3d",
        "--with-password",
        "--client-id",
        "web",
        "--redirect-uri",
        "https://app.example/",
      ],
      ONBOARD_FLAGS,
    );
    expect(campaignOptions(parsed)).toEqual({
      batch: 100,
      ratePerSecond: 5,
      remindAfterSeconds: 36 * 3600,
      maxReminders: 2,
      lifespanSeconds: 3 * 86_400,
      withPassword: true,
      clientId: "web",
      redirectUri: "https://app.example/",
    });
    expect(campaignOptions(parseArgs([], ONBOARD_FLAGS))).toEqual({ withPassword: false });
  });

  it("durations and rates", () => {
    expect(seconds("--x", "7d")).toBe(604_800);
    expect(seconds("--x", "90m")).toBe(5400);
    expect(seconds("--x", "2w")).toBe(1_209_600);
    expect(() => seconds("--x", "0d")).toThrow(/duration/);
    expect(perSecond("10/s")).toBe(10);
    expect(perSecond("10")).toBe(10);
    expect(perSecond("3600/h")).toBe(1);
    expect(() => perSecond("5000/s")).toThrow(/at most/);
  });
});
