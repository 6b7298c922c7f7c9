/**
 * `idswitch init`: a starter configuration in one command, which `doctor`
 * then validates and probes — here against the Entra ID emulator and
 * Keycloak-lite on loopback, the file's values given on init's command line
 * and the emulator's authority laid over it with IDSWITCH__* variables.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFileSchema } from "../../src/config/file-schema.js";
import {
  createEntraEmulator,
  createKeycloakEmulator,
  type EntraEmulator,
  type KeycloakEmulator,
} from "../../src/testing/index.js";
import { idswitch } from "./support/run-cli.js";

let folder: string;
let entra: EntraEmulator;
let kc: KeycloakEmulator;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "idswitch-init-"));
  entra = await createEntraEmulator();
  kc = await createKeycloakEmulator();
});
afterAll(async () => {
  await entra?.close();
  await kc?.close();
});

describe("idswitch init", () => {
  it("writes a starter the schema accepts: both providers, order, authority, link claim with from, env secrets", async () => {
    const path = join(folder, "starter.json");
    const run = await idswitch(["init", "--config", path]);
    expect(run.code, run.err).toBe(0);
    const document = JSON.parse(await readFile(path, "utf8"));
    expect(configFileSchema.safeParse(document).success).toBe(true);
    expect(document).toMatchObject({
      $schema: "./node_modules/idswitch/dist/idswitch.config.schema.json",
      providers: [
        { type: "entra", id: "entra", clientSecret: { env: "ENTRA_CLIENT_SECRET" } },
        {
          type: "keycloak",
          id: "eu",
          clientSecret: { env: "KEYCLOAK_CLIENT_SECRET" },
          // routing.authority asks eu about people through its admin service account.
          admin: { clientId: "idswitch-admin", clientSecret: { env: "KEYCLOAK_ADMIN_CLIENT_SECRET" } },
        },
      ],
      routing: { order: ["entra", "eu"], authority: ["eu"] },
      linking: { claim: { name: "entra_id", provider: "entra", from: ["eu"] } },
    });
    // Secrets only as references: no string anywhere under a clientSecret.
    for (const provider of document.providers) expect(Object.keys(provider.clientSecret)).toEqual(["env"]);
    // What to create at each provider, printed beside the file.
    expect(run.out).toContain(`Wrote ${path}`);
    expect(run.out).toContain("Redirect URI (Web)        http://localhost:3000/callback/entra");
    expect(run.out).toContain("Valid redirect URIs       http://localhost:3000/callback/eu");
    expect(run.out).toContain("Client authentication     On");
    expect(run.out).toContain("Directory (tenant) ID → tenantId (a placeholder now)");
    expect(run.out).toContain(
      "export ENTRA_CLIENT_SECRET=… KEYCLOAK_CLIENT_SECRET=… KEYCLOAK_ADMIN_CLIENT_SECRET=…",
    );
  });

  it("refuses to overwrite an existing file: exit 2, the file unchanged", async () => {
    const path = join(folder, "existing.json");
    await writeFile(path, '{"mine": true}\n');
    const run = await idswitch(["init", "--config", path]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("exists; not overwriting it");
    expect(await readFile(path, "utf8")).toBe('{"mine": true}\n');
  });

  it("refuses a value a provider would refuse, and writes nothing", async () => {
    const path = join(folder, "bad.json");
    const run = await idswitch(["init", "--config", path, "--tenant-id", "contoso"]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("providers[0].tenantId");
    await expect(readFile(path, "utf8")).rejects.toThrow(/ENOENT/);
    const typo = await idswitch(["init", "--tenent-id", "x"]);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain("did you mean --tenant-id?");
  });

  it("doctor validates the file it wrote and probes both providers", async () => {
    const tenant = entra.addTenant({ domain: "contoso.example" });
    const app = entra.addApp({ tenantId: tenant.id, displayName: "portal", secret: "entra-secret" });
    kc.addRealm({ name: "acme" });
    kc.addClient({ realm: "acme", clientId: "portal", secret: "kc-secret", serviceAccount: true });
    const path = join(folder, "idswitch.config.json");
    const init = await idswitch([
      "init",
      "--config",
      path,
      "--tenant-id",
      tenant.id,
      "--client-id",
      app.clientId,
      "--keycloak-issuer",
      kc.issuer("acme"),
    ]);
    expect(init.code, init.err).toBe(0);
    expect(init.out).not.toContain("placeholder");

    const env = {
      ENTRA_CLIENT_SECRET: "entra-secret",
      KEYCLOAK_CLIENT_SECRET: "kc-secret",
      KEYCLOAK_ADMIN_CLIENT_SECRET: "kc-admin-secret",
      // The emulator stands in for login.microsoftonline.com.
      IDSWITCH__providers__0__authority: entra.url,
      IDSWITCH__providers__0__v1IssuerBase: entra.v1IssuerBase,
    };
    const doctor = await idswitch(["doctor", "--config", path, "--json"], env);
    const report = JSON.parse(doctor.out) as {
      providers: Array<{ provider: string; verdict: string }>;
      authority: { verdict: string; detail: string };
    };
    expect(report.providers).toEqual([
      expect.objectContaining({ provider: "entra", verdict: "ok" }),
      expect.objectContaining({ provider: "eu", verdict: "ok" }),
    ]);
    // The starter gives eu its admin service account, so the authority can be asked; Keycloak-lite serves
    // no admin API, so here it does not answer: a warning, as for any provider out of reach, not a problem.
    expect(report.authority).toEqual({
      verdict: "warning",
      detail: "eu did not answer about an account's status",
    });
    expect(doctor.code).toBe(0);

    // Without the secrets' variables the file is invalid (exit 2), each named.
    const unset = await idswitch(["doctor", "--config", path], {});
    expect(unset.code).toBe(2);
    expect(unset.out).toContain(
      "providers[0].clientSecret: environment variable ENTRA_CLIENT_SECRET is not set",
    );
  });
});
