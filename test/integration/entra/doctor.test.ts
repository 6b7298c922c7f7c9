/** `idswitch doctor` against the Entra emulator: a good configuration passes, each broken one is named. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDoctor } from "../../../src/cli/doctor.js";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";
import { closedLoopbackPort } from "../../support/ports.js";

let entra: EntraEmulator;
let entraEntry: Record<string, unknown>;
let appId: string;
let dir: string;

beforeAll(async () => {
  entra = await createEntraEmulator();
  const tenant = entra.addTenant();
  const app = entra.addApp({ tenantId: tenant.id, displayName: "portal", secret: "portal-secret" });
  appId = app.clientId;
  entraEntry = {
    type: "entra",
    id: "entra",
    tenantId: tenant.id,
    clientId: app.clientId,
    clientSecret: { env: "ENTRA_SECRET" },
    authority: entra.url,
    v1IssuerBase: entra.v1IssuerBase,
    timeoutMs: 5_000, // generous: the machine may be busy; "down" below is a refused port, not a slow one
  };
  dir = await mkdtemp(join(tmpdir(), "idswitch-doctor-"));
});
afterAll(() => entra.close());

async function doctor(config: unknown, args: string[] = []) {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify(config));
  const lines: string[] = [];
  const code = await runDoctor({
    args: ["--config", path, ...args],
    env: { ENTRA_SECRET: "portal-secret" },
    write: (l) => lines.push(l),
  });
  return { code, text: lines.join("\n") };
}

describe("idswitch doctor", () => {
  it("says a good configuration is ready and exits 0", async () => {
    const { code, text } = await doctor({ providers: [entraEntry] });
    expect(text).toContain("Every provider is ready.");
    expect(text).toMatch(/✔ client\s+client credentials accepted/);
    expect(text).toMatch(/✔ clock\s+skew -?\d+ s/);
    expect(code).toBe(0);
  });

  it("probes with a connect budget when the file sets one (connectTimeoutMs), as loadConfig would", async () => {
    const { code, text } = await doctor({ providers: [{ ...entraEntry, connectTimeoutMs: 1_500 }] });
    expect(text).toContain("Every provider is ready.");
    expect(code).toBe(0);
  });

  it("warns, without failing, when several providers have no authority; names the authority when set", async () => {
    const spare = { ...entraEntry, id: "spare" };
    const without = await doctor({ providers: [entraEntry, spare] }, ["--json"]);
    expect(JSON.parse(without.text).authority).toMatchObject({ verdict: "warning" });
    expect(JSON.parse(without.text).authority.detail).toContain("no provider speaks for the organisation");
    // Named, but it cannot be asked (its Graph, graph.microsoft.com by default, is out of reach here): a warning.
    const unasked = await doctor({ providers: [entraEntry], routing: { authority: ["entra"] } });
    expect(unasked.text).toMatch(/! authority {2}entra did not answer about an account's status/);
    expect(unasked.code).toBe(0);
    entra.grantGraphPermissions(appId, ["User.Read.All"]);
    const reading = { ...entraEntry, graph: { url: entra.graphUrl } }; // the emulator's Graph, where the app may read users
    const named = await doctor({ providers: [reading], routing: { authority: ["entra"] } });
    expect(named.text).toMatch(/✔ authority {2}entra speak\(s\) for the organisation/);
    expect(named.code).toBe(0);
  });

  it("names each problem of a broken configuration and exits 1", async () => {
    const closed = await closedLoopbackPort();
    entra.setAppState(appId, "secret_expired");
    try {
      const { code, text } = await doctor(
        {
          providers: [
            entraEntry,
            { type: "keycloak", id: "wrong-issuer", issuer: `${entra.url}/realms/nowhere`, clientId: "x" },
            {
              type: "keycloak",
              id: "down",
              issuer: `http://127.0.0.1:${closed}/realms/x`,
              clientId: "x",
              timeoutMs: 500,
            },
          ],
        },
        ["--json"],
      );
      expect(code).toBe(1);
      const report = JSON.parse(text) as {
        providers: Array<{
          provider: string;
          verdict: string;
          checks: Array<{ check: string; status: string; code?: string }>;
        }>;
      };
      const failing = (id: string) =>
        report.providers
          .find((p) => p.provider === id)
          ?.checks.filter((c) => c.status === "problem")
          .map((c) => [c.check, c.code]);
      expect(failing("entra")).toEqual([["client", "client_suspended"]]);
      expect(failing("wrong-issuer")).toEqual([
        ["reachable", "tenant_unavailable"],
        ["discovery", "tenant_unavailable"],
      ]);
      expect(failing("down")).toEqual([
        ["reachable", "provider_unavailable"],
        ["discovery", "provider_unavailable"],
      ]);
      expect(text).not.toContain("portal-secret");
    } finally {
      entra.setAppState(appId, "enabled");
    }
  });

  it("an invalid configuration exits 2 with each problem's path", async () => {
    const { code, text } = await doctor({
      providers: [{ ...entraEntry, clientSecret: "portal-secret" }],
      extra: 1,
    });
    expect(code).toBe(2);
    expect(text).toContain("The configuration is invalid:");
    expect(text).toContain("extra:");
    expect(text).not.toContain("portal-secret");
  });

  it("refuses unknown options", async () => {
    const lines: string[] = [];
    const code = await runDoctor({ args: ["--colour"], env: {}, write: (l) => lines.push(l) });
    expect(code).toBe(2);
    expect(lines.join("\n")).toContain("unknown option --colour");
  });
});
