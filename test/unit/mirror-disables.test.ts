/**
 * The `disables` option of the mirror (issue 13, item 5) without a network: the plain strings keep their
 * meaning, the object form reads the audit log, both or neither is refused — in the library and in the
 * configuration file's `directory` section — and an initiator is trusted by UPN, object id, appId or
 * service principal id only.
 */
import { describe, expect, it } from "vitest";
import { disableRule } from "../../src/directory/mirror/options.js";
import { trusted } from "../../src/directory/mirror/quarantine.js";
import { directoryOptionsFromConfig, IdSwitchError } from "../../src/index.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

function failure(run: () => unknown): IdSwitchError {
  try {
    run();
  } catch (err) {
    if (err instanceof IdSwitchError) return err;
    throw err;
  }
  throw new Error("did not throw");
}

describe("disableRule", () => {
  it("plain strings and the older policy: no audit log read", () => {
    expect(disableRule({ disables: "propagate" })).toMatchObject({ policy: "propagate", audited: false });
    expect(disableRule({ policy: "hold" })).toMatchObject({ policy: "hold", audited: false });
  });

  it("the object form reads the audit log; its initiators compared lower-cased", () => {
    const rule = disableRule({
      disables: {
        policy: "propagate",
        trustedInitiators: ["IT-Admin@Contoso.com"],
        evidence: { maxAgeDays: 7, slackMinutes: 5 },
      },
    });
    expect(rule).toMatchObject({
      policy: "propagate",
      audited: true,
      maxAgeMs: 7 * 86_400_000,
      slackMs: 300_000,
    });
    expect([...rule.trusted]).toEqual(["it-admin@contoso.com"]);
  });

  it("both, or neither: config_invalid at mirror.disables", () => {
    expect(failure(() => disableRule({ disables: "hold", policy: "hold" })).issues?.[0]?.path).toBe(
      "mirror.disables",
    );
    expect(failure(() => disableRule({})).issues?.[0]?.message).toMatch(/^missing/);
  });
});

describe("trusted", () => {
  const list = new Set(["it-admin@contoso.com", "8c1a2b3c-0000-4000-8000-000000000001", "sp-hr"]);
  it("a user by UPN or object id; an app by appId or service principal id; never by display name", () => {
    const user = { kind: "user", id: undefined, displayName: undefined } as const;
    expect(trusted(list, { ...user, userPrincipalName: "IT-ADMIN@contoso.com" })).toBe(true);
    expect(trusted(list, { ...user, userPrincipalName: "someone@contoso.com" })).toBe(false);
    const app = { kind: "app", appId: undefined, servicePrincipalId: undefined } as const;
    expect(trusted(list, { ...app, appId: "8C1A2B3C-0000-4000-8000-000000000001", displayName: "HR" })).toBe(
      true,
    );
    expect(trusted(list, { ...app, servicePrincipalId: "sp-hr", displayName: undefined })).toBe(true);
    expect(trusted(list, { ...app, displayName: "it-admin@contoso.com" })).toBe(false);
    expect(trusted(list, { kind: "unknown" })).toBe(false);
  });
});

describe("the directory section's disables", () => {
  const section = (extra: Record<string, unknown>) => ({
    directory: {
      source: { tenantId: TENANT, clientId: "mirror", clientSecret: { env: "G" } },
      target: { url: "https://auth.example.eu", realm: "acme", clientId: "m", clientSecret: { env: "K" } },
      ...extra,
    },
  });
  const env = { G: "g", K: "k" };

  it("takes the object form, with the library's defaults", () => {
    const config = directoryOptionsFromConfig(
      section({ disables: { policy: "propagate", trustedInitiators: ["it-admin@contoso.com"] } }),
      { env },
    );
    expect(config.mirror.disables).toEqual({
      policy: "propagate",
      trustedInitiators: ["it-admin@contoso.com"],
      evidence: { maxAgeDays: 30, slackMinutes: 15 },
    });
  });

  it("refuses both and neither, at directory.disables", () => {
    const both = failure(() =>
      directoryOptionsFromConfig(section({ disables: "hold", policy: "hold" }), { env }),
    );
    expect(both.issues).toEqual([expect.objectContaining({ path: "directory.disables" })]);
    const neither = failure(() => directoryOptionsFromConfig(section({}), { env }));
    expect(neither.issues).toEqual([expect.objectContaining({ path: "directory.disables" })]);
  });
});
