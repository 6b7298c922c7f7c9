/** The configuration as flat IDSWITCH__* variables: same shape, same validation, problems named by variable. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, readConfig } from "../../src/config/node.js";
import { applyConfigVariables, createIdentity, type IdSwitchError } from "../../src/index.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/** Two providers and the routing, as variables only. */
const flat = {
  IDSWITCH__providers__0__type: "entra",
  IDSWITCH__providers__0__id: "entra",
  IDSWITCH__providers__0__tenantId: TENANT,
  IDSWITCH__providers__0__clientId: "c1",
  IDSWITCH__providers__0__clientSecret__env: "ENTRA_SECRET",
  IDSWITCH__providers__1__type: "keycloak",
  IDSWITCH__providers__1__id: "eu",
  IDSWITCH__providers__1__issuer: "https://auth.example.eu/realms/acme",
  IDSWITCH__providers__1__clientId: "portal",
  IDSWITCH__providers__1__timeoutMs: "2000",
  IDSWITCH__routing__order__0: "eu",
  IDSWITCH__routing__order__1: "entra",
  IDSWITCH__telemetry: "false",
  ENTRA_SECRET: "s3cr3t-entra",
};

async function rejection(promise: Promise<unknown>): Promise<IdSwitchError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!err) throw new Error("expected a configuration error");
  return err as IdSwitchError;
}

function failure(run: () => unknown): IdSwitchError {
  try {
    run();
  } catch (err) {
    return err as IdSwitchError;
  }
  throw new Error("expected a configuration error");
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "idswitch-vars-"));
}

describe("IDSWITCH__* variables", () => {
  it("build the same shape as the file: arrays from number segments, numbers and booleans typed", () => {
    const { document, variables } = applyConfigVariables(undefined, flat);
    expect(document).toEqual({
      providers: [
        {
          type: "entra",
          id: "entra",
          tenantId: TENANT,
          clientId: "c1",
          clientSecret: { env: "ENTRA_SECRET" },
        },
        {
          type: "keycloak",
          id: "eu",
          issuer: "https://auth.example.eu/realms/acme",
          clientId: "portal",
          timeoutMs: 2000,
        },
      ],
      routing: { order: ["eu", "entra"] },
      telemetry: false,
    });
    expect(variables.find((v) => v.name === "IDSWITCH__providers__1__timeoutMs")?.path).toBe(
      "providers[1].timeoutMs",
    );
  });

  it("keep text that only looks like a number, and take a double-quoted value as a string", () => {
    const { document } = applyConfigVariables(undefined, {
      IDSWITCH__a: "007",
      IDSWITCH__b: "12345678901234567890",
      IDSWITCH__c: '"12345"',
      IDSWITCH__d: "1.0",
      IDSWITCH__e: "-2.5",
      IDSWITCH__f: "True",
      IDSWITCH__g: "",
    });
    expect(document).toEqual({
      a: "007",
      b: "12345678901234567890",
      c: "12345",
      d: "1.0",
      e: -2.5,
      f: "True",
      g: "",
    });
  });

  it("loadConfig builds createIdentity options from the variables alone", async () => {
    const cwd = process.cwd();
    process.chdir(await tempDir()); // no ./idswitch.config.json here
    try {
      const identity = createIdentity(await loadConfig({ env: flat }));
      expect(identity.providers.map((p) => p.id)).toEqual(["eu", "entra"]);
      const config = await readConfig(undefined, flat);
      expect(config.name).toBe("13 IDSWITCH__* variables");
      expect(config.file).toBeUndefined();
    } finally {
      process.chdir(cwd);
    }
  });

  it("override the file key by key (.NET order: the environment wins), arrays by index", async () => {
    const dir = await tempDir();
    const path = join(dir, "idswitch.config.json");
    const file = applyConfigVariables(undefined, flat).document as { routing: { order: string[] } };
    file.routing.order = ["entra", "eu"];
    await writeFile(path, JSON.stringify(file));
    const env = {
      ENTRA_SECRET: "x",
      IDSWITCH__routing__order__0: "eu",
      IDSWITCH__routing__order__1: "entra",
      IDSWITCH__providers__1__clientId: "other-portal",
    };
    const config = await readConfig(path, env);
    expect(config.name).toBe(`${path} + 3 IDSWITCH__* variables`);
    const doc = config.document as typeof file & { providers: Array<Record<string, unknown>> };
    expect(doc.routing.order).toEqual(["eu", "entra"]);
    expect(doc.providers[1]).toMatchObject({ id: "eu", clientId: "other-portal", timeoutMs: 2000 });
    expect(createIdentity(await loadConfig({ path, env })).providers[0]?.id).toBe("eu");
  });

  it("IDSWITCH_CONFIG is a base too; the variables still override it", async () => {
    const base = applyConfigVariables(undefined, flat).document;
    const env = {
      ENTRA_SECRET: "x",
      IDSWITCH_CONFIG: JSON.stringify(base),
      IDSWITCH__routing__order__0: "entra",
    };
    const config = await readConfig(undefined, env);
    expect(config.name).toBe("IDSWITCH_CONFIG + 1 IDSWITCH__* variable");
    expect((config.document as { routing: { order: string[] } }).routing.order).toEqual(["entra", "entra"]);
  });

  it("a problem names the variable that set the value, never the value", async () => {
    const env = {
      ...flat,
      IDSWITCH__providers__1__clientSecret: "hunter2-in-a-variable",
      IDSWITCH__providers__0__clientId: "12345",
    };
    const err = await rejection(loadConfig({ env }));
    expect(err.code).toBe("config_invalid");
    expect(err.issues).toEqual([
      {
        path: "providers[0].clientId",
        message: 'Invalid input: expected string, received number (quote it to keep it text: "…")',
        source: "IDSWITCH__providers__0__clientId",
      },
      {
        path: "providers[1].clientSecret",
        message: 'secrets are not written in the file: use { "env": "VARIABLE_NAME" }',
        source: "IDSWITCH__providers__1__clientSecret",
      },
    ]);
    expect(JSON.stringify(err)).not.toContain("hunter2");
    // Quoted, the same digits are a string: the client id is accepted.
    const quoted = { ...flat, IDSWITCH__providers__0__clientId: '"12345"' };
    expect((await loadConfig({ env: quoted })).providers).toHaveLength(2);
  });

  it("a provider's own check (after the shape) names the variable too", async () => {
    const env = { ...flat, IDSWITCH__providers__1__issuer: "http://auth.example.eu/realms/acme" };
    const err = await rejection(loadConfig({ env }));
    expect(err.issues).toEqual([
      expect.objectContaining({ path: "providers[1].issuer", source: "IDSWITCH__providers__1__issuer" }),
    ]);
  });

  it("a missing value names the variable that would set it; a missing secret variable, the reference", async () => {
    const { IDSWITCH__providers__1__issuer: _issuer, ...env } = flat;
    const err = await rejection(loadConfig({ env }));
    expect(err.issues).toEqual([
      expect.objectContaining({
        path: "providers[1].issuer",
        source: "IDSWITCH__providers__1__issuer (not set)",
      }),
    ]);
    const { ENTRA_SECRET: _secret, ...noSecret } = flat;
    const missing = await rejection(loadConfig({ env: noSecret }));
    expect(missing.issues).toEqual([
      {
        path: "providers[0].clientSecret",
        message: "environment variable ENTRA_SECRET is not set",
        source: "IDSWITCH__providers__0__clientSecret__env",
      },
    ]);
  });

  it("refuse a gap in a list, a value where a section is, and a name for a list item, naming the variable", () => {
    const gap = failure(() =>
      applyConfigVariables(undefined, { IDSWITCH__routing__order__0: "a", IDSWITCH__routing__order__2: "b" }),
    );
    expect(gap.issues).toEqual([
      {
        path: "routing.order[2]",
        message: "leaves routing.order[1] empty: number list items from 0 without gaps",
        source: "IDSWITCH__routing__order__2",
      },
    ]);
    const clash = failure(() =>
      applyConfigVariables(undefined, { IDSWITCH__routing: "x", IDSWITCH__routing__order__0: "a" }),
    );
    expect(clash.issues?.[0]).toMatchObject({ path: "routing", source: "IDSWITCH__routing" });
    expect(clash.issues?.[0]?.message).toContain("IDSWITCH__routing__order__0");
    const named = failure(() =>
      applyConfigVariables({ providers: [{ id: "a" }] }, { IDSWITCH__providers__first__id: "b" }),
    );
    expect(named.issues?.[0]).toMatchObject({ path: "providers", source: "IDSWITCH__providers__first__id" });
    const empty = failure(() => applyConfigVariables(undefined, { IDSWITCH__routing____order: "a" }));
    expect(empty.issues?.[0]?.source).toBe("IDSWITCH__routing____order");
  });

  it("an item appended after the file's last one is allowed; past it is a gap", () => {
    const base = { routing: { order: ["a", "b"] } };
    expect(applyConfigVariables(base, { IDSWITCH__routing__order__2: "c" }).document).toEqual({
      routing: { order: ["a", "b", "c"] },
    });
    expect(base.routing.order).toEqual(["a", "b"]); // the base is not mutated
    expect(() => applyConfigVariables(base, { IDSWITCH__routing__order__3: "c" })).toThrow(/without gaps/);
  });

  it("with neither a file, IDSWITCH_CONFIG nor variables, says where it looked", async () => {
    const cwd = process.cwd();
    const dir = await tempDir();
    process.chdir(dir);
    try {
      const err = await rejection(loadConfig({ env: {} }));
      expect(err.issues?.[0]?.message).toMatch(
        /^no such file: .*idswitch\.config\.json \(and neither IDSWITCH_CONFIG nor IDSWITCH__\* variables are set\)$/,
      );
      // An explicit file that is missing is an error even when variables are set.
      const explicit = await rejection(loadConfig({ path: join(dir, "nope.json"), env: flat }));
      expect(explicit.issues?.[0]?.message).toMatch(/^no such file: .*nope\.json$/);
    } finally {
      process.chdir(cwd);
    }
  });
});
