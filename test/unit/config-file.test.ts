import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/node.js";
import {
  configJsonSchema,
  createIdentity,
  type IdSwitchError,
  identityOptionsFromConfig,
  KeycloakProvider,
} from "../../src/index.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

const document = () => ({
  providers: [
    { type: "entra", id: "entra", tenantId: TENANT, clientId: "c1", clientSecret: { env: "ENTRA_SECRET" } },
    {
      type: "keycloak",
      id: "eu",
      issuer: "https://auth.example.eu/realms/acme",
      clientId: "portal",
      clientSecret: { env: "KC_SECRET" },
      timeoutMs: 2000,
    },
  ],
  routing: { order: ["eu", "entra"], onSuspension: "failover" },
  linking: { claim: { name: "entra_id", provider: "entra" } },
});

const env = { ENTRA_SECRET: "s3cr3t-entra", KC_SECRET: "s3cr3t-kc" };

function failure(run: () => unknown): IdSwitchError {
  try {
    run();
  } catch (err) {
    return err as IdSwitchError;
  }
  throw new Error("expected a configuration error");
}

describe("the configuration file", () => {
  it("builds createIdentity options with secrets from the environment", () => {
    const options = identityOptionsFromConfig(document(), { env });
    const identity = createIdentity(options);
    expect(identity.providers.map((p) => p.id)).toEqual(["eu", "entra"]);
    expect(identity.providers[0]).toBeInstanceOf(KeycloakProvider);
  });

  it("switching the primary is a one-line change: routing.order", () => {
    const doc = document();
    doc.routing.order = ["entra", "eu"];
    expect(createIdentity(identityOptionsFromConfig(doc, { env })).providers[0]?.id).toBe("entra");
  });

  it("refuses a secret written in the file, without repeating it", () => {
    const doc = document() as { providers: Array<Record<string, unknown>> };
    (doc.providers[1] as Record<string, unknown>).clientSecret = "hunter2-in-the-file";
    const err = failure(() => identityOptionsFromConfig(doc, { env }));
    expect(err.code).toBe("config_invalid");
    expect(err.issues).toEqual([
      {
        path: "providers[1].clientSecret",
        message: 'secrets are not written in the file: use { "env": "VARIABLE_NAME" }',
      },
    ]);
    expect(JSON.stringify(err)).not.toContain("hunter2");
  });

  it("names a missing environment variable and a provider's own bad field by their path in the file", () => {
    const doc = document() as { providers: Array<Record<string, unknown>> };
    (doc.providers[1] as Record<string, unknown>).issuer = "http://auth.example.eu/realms/acme";
    const err = failure(() => identityOptionsFromConfig(doc, { env: { KC_SECRET: "x" } }));
    expect(err.issues?.map((i) => i.path)).toEqual(["providers[0].clientSecret", "providers[1].issuer"]);
    expect(err.issues?.[0]?.message).toBe("environment variable ENTRA_SECRET is not set");
  });

  it("loadConfig reads a file, or IDSWITCH_CONFIG, and reports bad JSON by line without quoting it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "idswitch-config-"));
    const path = join(dir, "idswitch.config.json");
    await writeFile(path, JSON.stringify(document()));
    expect((await loadConfig({ path, env })).providers).toHaveLength(2);
    const fromEnv = await loadConfig({ env: { ...env, IDSWITCH_CONFIG: JSON.stringify(document()) } });
    expect(fromEnv.providers).toHaveLength(2);
    await writeFile(path, '{\n  "providers": [\n    { "clientSecret": "hunter2" ,, }\n  ]\n}');
    const err = (await loadConfig({ path, env }).catch((e: unknown) => e)) as IdSwitchError;
    expect(err.code).toBe("config_invalid");
    expect(err.message).toMatch(/not valid JSON at line 3$/);
    expect(err.message).not.toContain("hunter2");
    const missing = (await loadConfig({ path: join(dir, "nope.json"), env }).catch(
      (e: unknown) => e,
    )) as IdSwitchError;
    expect(missing.issues?.[0]?.message).toMatch(/^no such file/);
  });

  it("the JSON Schema describes the same file", () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["providers", "routing", "linking", "tokenCache"]),
    );
    expect(schema.required).toEqual(["providers"]);
    expect(JSON.stringify(schema)).toContain('"const":"keycloak"');
  });
});
