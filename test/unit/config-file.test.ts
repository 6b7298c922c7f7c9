import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/node.js";
import { entraDirectory, keycloakDirectory, mirror } from "../../src/directory/index.js";
import {
  configJsonSchema,
  createIdentity,
  directoryOptionsFromConfig,
  type IdSwitchError,
  identityOptionsFromConfig,
  KeycloakProvider,
  MemoryStateStore,
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
  linking: { claim: { name: "entra_id", provider: "entra", from: ["eu"] } },
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

  it("gives a Keycloak provider its admin service account, the secret read from the environment", async () => {
    const doc = document() as { providers: Array<Record<string, unknown>> };
    (doc.providers[1] as Record<string, unknown>).admin = {
      clientId: "idswitch-admin",
      clientSecret: { env: "KC_ADMIN_SECRET" },
    };
    const asked: string[] = [];
    const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = String(input);
      asked.push(`${init?.method ?? "GET"} ${new URL(url).pathname}`);
      if (url.endsWith("/protocol/openid-connect/token")) {
        const sent = new URLSearchParams(String(init?.body));
        const basic = new Headers(init?.headers).get("authorization") ?? "";
        const ok =
          sent.get("client_secret") === "s3cr3t-admin" ||
          atob(basic.replace(/^Basic /, "")) === "idswitch-admin:s3cr3t-admin";
        return ok
          ? Response.json({ access_token: "admin-token", expires_in: 300 })
          : Response.json({ error: "unauthorized_client" }, { status: 401 });
      }
      return Response.json({ id: "kc-ada", enabled: false });
    };
    const options = identityOptionsFromConfig(doc, {
      env: { ...env, KC_ADMIN_SECRET: "s3cr3t-admin" },
      fetch,
    });
    const eu = createIdentity({ ...options, routing: { ...options.routing, authority: ["eu"] } })
      .providers[0];
    expect(await eu?.accountStatus?.("kc-ada")).toMatchObject({ status: "disabled" });
    expect(asked.slice(0, 2)).toEqual([
      "POST /realms/acme/protocol/openid-connect/token",
      "GET /admin/realms/acme/users/kc-ada",
    ]);

    // Written in the file, or a variable not set: named by its path, never repeated.
    (doc.providers[1] as { admin: Record<string, unknown> }).admin.clientSecret = "in-the-file";
    const written = failure(() => identityOptionsFromConfig(doc, { env }));
    expect(written.issues?.map((i) => i.path)).toEqual(["providers[1].admin.clientSecret"]);
    expect(JSON.stringify(written)).not.toContain("in-the-file");
    (doc.providers[1] as { admin: Record<string, unknown> }).admin.clientSecret = { env: "KC_ADMIN_SECRET" };
    const unset = failure(() => identityOptionsFromConfig(doc, { env }));
    expect(unset.issues).toEqual([
      { path: "providers[1].admin.clientSecret", message: "environment variable KC_ADMIN_SECRET is not set" },
    ]);
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

describe("the directory section (idswitch mirror, idswitch readiness)", () => {
  const withDirectory = () => ({
    ...document(),
    directory: {
      source: {
        tenantId: TENANT,
        clientId: "mirror-app",
        clientSecret: { env: "MIRROR_GRAPH_SECRET" },
        graphUrl: "http://127.0.0.1:4000",
        timeoutMs: 5000,
      },
      target: {
        url: "https://auth.example.eu/",
        realm: "acme",
        clientId: "idswitch-mirror",
        clientSecret: { env: "MIRROR_KC_SECRET" },
        clients: ["portal"],
      },
      policy: "hold",
      brake: { maxCount: 20 },
      roles: [
        {
          appId: "6e74172b-be56-4843-9ff4-e66a39bb12e3",
          client: "portal",
          roles: { "d1c2ade8-98f8-45fd-aa4a-6d06b947c66f": "reader" },
        },
      ],
      state: { file: "state/mirror.json" },
    },
  });
  const mirrorEnv = { MIRROR_GRAPH_SECRET: "graph-s3cret", MIRROR_KC_SECRET: "kc-s3cret" };

  it("becomes the options of entraDirectory, keycloakDirectory and mirror, with the library's defaults", () => {
    const config = directoryOptionsFromConfig(withDirectory(), { env: mirrorEnv });
    expect(config.source).toMatchObject({
      tenantId: TENANT,
      clientSecret: "graph-s3cret",
      authority: "https://login.microsoftonline.com",
      graphUrl: "http://127.0.0.1:4000",
      runtime: { timeoutMs: 5000 },
    });
    expect(config.target).toMatchObject({ url: "https://auth.example.eu", clientSecret: "kc-s3cret" });
    expect(config.mirror).toMatchObject({
      policy: "hold",
      brake: { maxCount: 20, maxPercent: 10 },
      name: "default",
    });
    expect(config.stateFile).toBe("state/mirror.json");
    // The library takes them as they are.
    const source = entraDirectory(config.source);
    const target = keycloakDirectory(config.target);
    expect(source.tenantId).toBe(TENANT);
    expect(() => mirror({ source, target, state: new MemoryStateStore(), ...config.mirror })).not.toThrow();
  });

  it("reads only its own secrets; the web app's are not needed on the mirror's host, and vice versa", () => {
    expect(() => directoryOptionsFromConfig(withDirectory(), { env: mirrorEnv })).not.toThrow();
    expect(createIdentity(identityOptionsFromConfig(withDirectory(), { env })).providers).toHaveLength(2);
  });

  it("is checked by the directory module's own schemas: its messages, paths in the file", () => {
    const doc = withDirectory();
    const section = doc.directory as Record<string, unknown> & { source: Record<string, unknown> };
    section.source.tenantId = "contoso.onmicrosoft.com";
    section.policy = "delete-everyone";
    (section.target as Record<string, unknown>).bogus = 1;
    const err = failure(() => directoryOptionsFromConfig(doc, { env: mirrorEnv }));
    expect(err.issues).toEqual(
      expect.arrayContaining([
        { path: "directory.source.tenantId", message: "must be the tenant's GUID" },
        expect.objectContaining({ path: "directory.policy" }),
        expect.objectContaining({ path: "directory.target.bogus" }),
      ]),
    );
    expect(err.issues).toHaveLength(3);
  });

  it("refuses a secret written in the file, and names a missing variable by its path", () => {
    const doc = withDirectory();
    (doc.directory.target as Record<string, unknown>).clientSecret = "hunter2";
    const written = failure(() => directoryOptionsFromConfig(doc, { env: mirrorEnv }));
    expect(written.issues?.[0]?.path).toBe("directory.target.clientSecret");
    expect(JSON.stringify(written)).not.toContain("hunter2");
    const unset = failure(() =>
      directoryOptionsFromConfig(withDirectory(), { env: { MIRROR_KC_SECRET: "x" } }),
    );
    expect(unset.issues).toEqual([
      {
        path: "directory.source.clientSecret",
        message: "environment variable MIRROR_GRAPH_SECRET is not set",
      },
    ]);
  });

  it("is required by the directory commands, optional for createIdentity", () => {
    const err = failure(() => directoryOptionsFromConfig(document(), { env: mirrorEnv }));
    expect(err.issues).toEqual([
      { path: "directory", message: "missing: idswitch mirror and readiness read this section" },
    ]);
  });

  it("is enough alone for the directory commands; providers, when present, are still checked", () => {
    const { directory } = withDirectory();
    expect(directoryOptionsFromConfig({ directory }, { env: mirrorEnv }).target.realm).toBe("acme");
    const err = failure(() =>
      directoryOptionsFromConfig({ directory, providers: [{ type: "saml" }] }, { env: mirrorEnv }),
    );
    expect(err.issues?.[0]?.path).toMatch(/^providers\[0\]/);
  });

  it("is in the JSON Schema, with the library's defaults and the secret reference", () => {
    const schema = configJsonSchema() as {
      properties: { directory: { properties: Record<string, { properties?: Record<string, unknown> }> } };
    };
    const directory = schema.properties.directory.properties;
    expect(Object.keys(directory)).toEqual(
      expect.arrayContaining(["source", "target", "policy", "brake", "roles", "onboarding", "state"]),
    );
    expect(directory.source?.properties?.graphUrl).toMatchObject({ default: "https://graph.microsoft.com" });
    expect(JSON.stringify(directory.target?.properties?.clientSecret)).toContain('"env"');
  });
});
