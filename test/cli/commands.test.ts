/**
 * The `idswitch` commands in-process, through `main` as the bin runs them:
 * help, usage mistakes and bad configurations (exit 2, before any network),
 * doctor configured by IDSWITCH__* variables alone against the Entra
 * emulator, and the directory commands failing on an unreachable Keycloak
 * (exit 3). The mirror and readiness against the real Keycloak are in
 * test/integration/directory/cli.test.ts (Keycloak-lite has no Admin API).
 */
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEntraEmulator, type EntraEmulator } from "../../src/testing/index.js";
import { closedLoopbackPort } from "../support/ports.js";
import { idswitch } from "./support/run-cli.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "idswitch-cli-"));
});

describe("help", () => {
  it("idswitch alone prints the commands and exits 2; help exits 0", async () => {
    const bare = await idswitch([]);
    expect(bare.code).toBe(2);
    for (const command of ["demo", "doctor", "mirror", "readiness"])
      expect(bare.out).toContain(`  ${command}`);
    expect(bare.out).toContain("IDSWITCH__routing__order__0=eu");
    expect((await idswitch(["--help"])).code).toBe(0);
  });

  it("each command and subcommand has its own help, exit 0", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["mirror", "--help"], /^Usage: idswitch mirror <plan\|apply>/],
      [
        ["mirror", "plan", "--help"],
        /^Usage: idswitch mirror plan \[--config <file>\] \[--state <file>\] \[--json\]/,
      ],
      [["mirror", "apply", "-h"], /--confirm-disables/],
      [["readiness", "--help"], /^Usage: idswitch readiness/],
      [["doctor", "--help"], /^Usage: idswitch doctor/],
    ];
    for (const [args, expected] of cases) {
      const run = await idswitch(args);
      expect(run.code, args.join(" ")).toBe(0);
      expect(run.out).toMatch(expected);
    }
    expect((await idswitch(["readiness", "--help"])).out).toContain(
      "0 everyone enabled at Entra is ready, 1 someone enabled at Entra is not",
    );
  });
});

describe("usage mistakes: exit 2 with the command's help, before any network", () => {
  it("an unknown command or subcommand", async () => {
    const top = await idswitch(["mirorr"]);
    expect(top.code).toBe(2);
    expect(top.err).toContain('unknown command "mirorr"');
    const sub = await idswitch(["mirror", "sync"]);
    expect(sub.code).toBe(2);
    expect(sub.err).toContain('idswitch mirror: unknown command "sync"');
    expect((await idswitch(["mirror"])).code).toBe(2);
  });

  it("an unknown option, with the nearest known one suggested", async () => {
    const run = await idswitch(["mirror", "apply", "--confirm-disable"]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("unknown option --confirm-disable (did you mean --confirm-disables?)");
    expect(run.err).toContain("Usage: idswitch mirror apply");
    const readiness = await idswitch(["readiness", "--state", "x.json"]);
    expect(readiness.code).toBe(2);
    expect(readiness.err).toContain("unknown option --state");
  });

  it("an option without its value, a switch given one, --confirm-disables on a plan", async () => {
    expect((await idswitch(["readiness", "--config"])).err).toContain("--config needs a value");
    expect((await idswitch(["readiness", "--json=yes"])).err).toContain("--json takes no value");
    const plan = await idswitch(["mirror", "plan", "--confirm-disables"]);
    expect(plan.code).toBe(2);
    expect(plan.err).toContain("--confirm-disables is for apply");
  });
});

describe("bad configurations: exit 2, each problem with its path and source, no secret echoed", () => {
  it("a file that is not JSON, by line", async () => {
    const path = join(folder, "broken.json");
    await writeFile(path, '{\n  "directory": {\n    "source": { "clientSecret": "hunter2" ,, }\n');
    const run = await idswitch(["readiness", "--config", path]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("not valid JSON at line 3");
    expect(run.err + run.out).not.toContain("hunter2");
  });

  it("a missing file, named", async () => {
    const run = await idswitch(["mirror", "plan", "--config", join(folder, "nope.json")]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/no such file: .*nope\.json/);
  });

  it("a configuration without a directory section", async () => {
    const path = join(folder, "providers-only.json");
    await writeFile(
      path,
      JSON.stringify({
        providers: [{ type: "keycloak", id: "eu", issuer: "https://a.example/realms/x", clientId: "c" }],
      }),
    );
    const run = await idswitch(["mirror", "plan", "--config", path]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("directory: missing: idswitch mirror and readiness read this section");
  });

  it("from IDSWITCH__* variables alone: the variable is named; a literal secret is refused and not echoed", async () => {
    const env = {
      IDSWITCH__directory__source__tenantId: "not-a-guid",
      IDSWITCH__directory__source__clientId: "mirror",
      IDSWITCH__directory__source__clientSecret: "hunter2",
      IDSWITCH__directory__target__url: "http://127.0.0.1:1",
      IDSWITCH__directory__target__realm: "acme",
      IDSWITCH__directory__target__clientId: "mirror",
      IDSWITCH__directory__target__clientSecret__env: "KC_SECRET",
      IDSWITCH__directory__policy: "hold",
    };
    const run = await idswitch(["readiness", "--json"], env);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.out) as { valid: boolean; issues: Array<Record<string, string>> };
    expect(report.valid).toBe(false);
    expect(report.issues).toEqual([
      {
        path: "directory.source.tenantId",
        message: "must be the tenant's GUID",
        source: "IDSWITCH__directory__source__tenantId",
      },
      {
        path: "directory.source.clientSecret",
        message: 'secrets are not written in the file: use { "env": "VARIABLE_NAME" }',
        source: "IDSWITCH__directory__source__clientSecret",
      },
    ]);
    expect(run.out + run.err).not.toContain("hunter2");
  });

  it("a secret variable that is not set, by the variable that names it", async () => {
    const path = join(folder, "directory.json");
    await writeFile(
      path,
      JSON.stringify({ directory: directorySection("http://127.0.0.1:1", "http://127.0.0.1:1") }),
    );
    const run = await idswitch(["readiness", "--config", path], { GRAPH_SECRET: "x" });
    expect(run.code).toBe(2);
    expect(run.err).toContain("directory.target.clientSecret: environment variable KC_SECRET is not set");
    expect(run.err).toContain(path);
  });
});

function directorySection(authority: string, keycloak: string) {
  return {
    source: {
      tenantId: TENANT,
      clientId: "mirror",
      clientSecret: { env: "GRAPH_SECRET" },
      authority,
      graphUrl: authority,
      throttle: { maxRetries: 0 },
    },
    target: {
      url: keycloak,
      realm: "acme",
      clientId: "mirror",
      clientSecret: { env: "KC_SECRET" },
      retry: { attempts: 1, backoffMs: 0 },
      timeoutMs: 2000,
    },
    policy: "propagate",
  };
}

describe("Keycloak unreachable: exit 3, the checkpoint file released", () => {
  it("mirror apply says to run again, and leaves no lock behind", async () => {
    const port = await closedLoopbackPort();
    const path = join(folder, "unreachable.json");
    const state = join(folder, "unreachable-state", "mirror-state.json");
    await writeFile(
      path,
      JSON.stringify({ directory: directorySection(`http://127.0.0.1:${port}`, `http://127.0.0.1:${port}`) }),
    );
    const env = { GRAPH_SECRET: "g", KC_SECRET: "k" };
    const run = await idswitch(["mirror", "apply", "--config", path, "--state", state], env);
    expect(run.code, run.err).toBe(3);
    expect(run.err).toContain("mirror apply: failed; run again to resume from the checkpoint");
    expect(run.err).toMatch(/idswitch mirror apply: provider_unavailable/);
    expect(existsSync(`${state}.lock`)).toBe(false);
    const readiness = await idswitch(["readiness", "--config", path], env);
    expect(readiness.code, readiness.err).toBe(3);
  });
});

describe("doctor configured by IDSWITCH__* variables alone (no file)", () => {
  let entra: EntraEmulator;
  beforeAll(async () => {
    entra = await createEntraEmulator();
  });
  afterAll(async () => {
    await entra?.close();
  });

  it("builds the provider from the variables and probes it: exit 0", async () => {
    const tenant = entra.addTenant({ domain: "contoso.example" });
    const app = entra.addApp({ tenantId: tenant.id, displayName: "web", secret: "web-secret" });
    const env = {
      IDSWITCH__providers__0__type: "entra",
      IDSWITCH__providers__0__id: "entra",
      IDSWITCH__providers__0__tenantId: tenant.id,
      IDSWITCH__providers__0__clientId: app.clientId,
      IDSWITCH__providers__0__clientSecret__env: "WEB_SECRET",
      IDSWITCH__providers__0__authority: entra.url,
      IDSWITCH__providers__0__v1IssuerBase: entra.v1IssuerBase,
      WEB_SECRET: "web-secret",
    };
    const run = await idswitch(["doctor"], env);
    expect(run.out).toContain("idswitch doctor — 7 IDSWITCH__* variables");
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain("Every provider is ready.");
    const wrong = await idswitch(["doctor"], { ...env, IDSWITCH__providers__0__tenantId: "x" });
    expect(wrong.code).toBe(2);
    expect(wrong.out).toContain("← IDSWITCH__providers__0__tenantId");
  });
});
