/**
 * The configuration file's `directory` section (zod/mini: it is part of the
 * root entry) and `entraDirectory()`, `keycloakDirectory()` and `mirror()`
 * (classic zod) compose the same shapes, `src/directory/{entra,keycloak,mirror}/options-shape.ts`.
 * This holds the two to each other: the section must be exactly what the
 * directory module's own schemas make of it — the JSON Schema editors see,
 * and every outcome and message of a parse.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { secretReference } from "../../src/config/file-schema.js";
import { parseConfig } from "../../src/core/config.js";
import { nonEmpty, timeoutMsSchema } from "../../src/core/schemas.js";
import { entraDirectorySchema } from "../../src/directory/entra/options.js";
import { keycloakDirectorySchema } from "../../src/directory/keycloak/options.js";
import { mirrorSchema } from "../../src/directory/mirror/options.js";
import { configFileSchema, configJsonSchema, type IdSwitchError } from "../../src/index.js";

const secret = z.union([secretReference, z.string()]).superRefine((value, ctx) => {
  if (typeof value === "string") {
    ctx.addIssue({
      code: "custom",
      message: 'secrets are not written in the file: use { "env": "VARIABLE_NAME" }',
    });
  }
});

/** The section as it was derived from the directory module's schemas before the root moved to zod/mini. */
function classicSection() {
  const timeoutMs = timeoutMsSchema.optional().describe("Budget of one network call, in milliseconds.");
  return z
    .strictObject({
      source: entraDirectorySchema
        .omit({ clientSecret: true, runtime: true })
        .extend({ clientSecret: secret, timeoutMs })
        .describe("The Entra tenant read through Microsoft Graph, and the mirror app's credentials."),
      target: keycloakDirectorySchema
        .omit({ clientSecret: true, runtime: true })
        .extend({ clientSecret: secret, timeoutMs })
        .describe("The Keycloak realm written through its Admin API, and the service-account client."),
      ...mirrorSchema.pick({
        name: true,
        disables: true,
        policy: true,
        brake: true,
        onboarding: true,
        emailVerified: true,
        groups: true,
        roles: true,
        concurrency: true,
      }).shape,
      state: z
        .strictObject({
          file: nonEmpty
            .optional()
            .describe(
              "The mirror's checkpoint file (JSON), relative to this file's folder; default .idswitch/mirror-state.json in the working folder.",
            ),
        })
        .optional(),
    })
    .superRefine((section, ctx) => {
      if (section.disables !== undefined && section.policy !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["disables"],
          message: "give disables or policy, not both (policy is the earlier form of disables)",
        });
      else if (section.disables === undefined && section.policy === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["disables"],
          message:
            'missing: { "policy": "propagate", "trustedInitiators": [...] }, { "policy": "hold" }, or "propagate" / "hold"',
        });
    })
    .describe("The directory mirror (idswitch mirror) and the exit-readiness report (idswitch readiness).");
}

const miniSection = configFileSchema.shape.directory.def.innerType;

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const good = {
  source: { tenantId: TENANT, clientId: "mirror", clientSecret: { env: "A" } },
  target: {
    url: "https://auth.example.eu//",
    realm: "acme",
    clientId: "c",
    clientSecret: { env: "B" },
    timeoutMs: 5,
  },
  disables: { policy: "propagate", trustedInitiators: ["it-admin@contoso.com"] },
};

const SECTIONS: Record<string, unknown> = {
  good,
  "every default": { ...good, disables: "hold" },
  "everything given": {
    ...good,
    source: {
      ...good.source,
      id: "src",
      authority: "http://localhost:1",
      graphUrl: "https://graph.example",
      throttle: { maxRetries: 3, maxRetryAfterSeconds: 5, backoffSeconds: 0.5 },
      timeoutMs: 1000,
    },
    target: {
      ...good.target,
      id: "kc",
      attribute: "a.b",
      groupAttribute: "g",
      claim: "c",
      clients: ["web"],
      retry: { attempts: 2, backoffMs: 0 },
    },
    disables: { policy: "hold", evidence: { maxAgeDays: 7, slackMinutes: 0 } },
    name: " m ",
    brake: { maxCount: 3, maxPercent: 50 },
    onboarding: { requiredActions: ["VERIFY_EMAIL"], email: true },
    emailVerified: false,
    groups: false,
    roles: [{ appId: "app", client: "orders", roles: { [TENANT]: "reader" } }],
    concurrency: 8,
    state: { file: "state.json" },
  },
  "every field wrong": {
    source: {
      tenantId: "nope",
      clientId: " ",
      clientSecret: "hunter2",
      authority: "ftp://x",
      graphUrl: 3,
      throttle: { maxRetries: 1.5, maxRetryAfterSeconds: 0, backoffSeconds: -1, extra: 1 },
      timeoutMs: 0,
    },
    target: {
      url: "not a url",
      realm: "",
      clientId: "c",
      clientSecret: { env: "1X" },
      attribute: "1x",
      groupAttribute: "",
      claim: 3,
      clients: [""],
      retry: { attempts: 0, backoffMs: -1 },
      runtime: {},
      bogus: 1,
    },
    disables: {
      policy: "sometimes",
      trustedInitiators: [""],
      evidence: { maxAgeDays: 31, slackMinutes: -1 },
    },
    name: "",
    brake: { maxCount: -1, maxPercent: 101 },
    onboarding: { requiredActions: [], email: "yes" },
    emailVerified: "no",
    groups: 1,
    roles: [{ appId: "", client: "c", roles: { "not-a-guid": "" } }, "x"],
    concurrency: 33,
    state: { file: " ", other: 1 },
    extra: true,
  },
  "both disables and policy": { ...good, policy: "hold" },
  "neither disables nor policy": { source: good.source, target: good.target },
  "not an object": "directory",
  "sections missing": {},
};

function outcome(schema: z.core.$ZodType, input: unknown): unknown {
  try {
    return { data: parseConfig(schema, input, "directory") };
  } catch (err) {
    return { issues: (err as IdSwitchError).issues };
  }
}

describe("the configuration file's directory section (zod/mini) and the directory module's schemas (classic)", () => {
  it("give editors the same JSON Schema", () => {
    const file = configJsonSchema() as { properties: { directory: unknown } };
    const classic = z.toJSONSchema(z.object({ directory: classicSection().optional() }), {
      io: "input",
      unrepresentable: "any",
    });
    expect(file.properties.directory).toBeDefined();
    expect(file.properties.directory).toEqual(classic.properties?.directory);
  });

  it.each(Object.entries(SECTIONS))("accept, fill in and refuse alike: %s", (_name, section) => {
    expect(outcome(miniSection, section)).toEqual(outcome(classicSection(), section));
  });
});
