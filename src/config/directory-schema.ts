/**
 * The `directory` section of `idswitch.config.json`: what `idswitch mirror`
 * and `idswitch readiness` read. It accepts exactly what `entraDirectory()`,
 * `keycloakDirectory()` and `mirror()` accept, minus what cannot be written in
 * a file (functions, the runtime, the state store) and with secrets as
 * `{ "env": NAME }` references, with the same defaults and messages.
 *
 * Written again here with `zod/mini` rather than derived from the directory
 * module's classic zod schemas: this file is part of the root entry, and one
 * classic schema in it brings all of zod (≈ 450 KB minified) into every edge
 * bundle. test/unit/config-directory-schema.test.ts holds the two to each
 * other (JSON Schema and messages), so neither can drift alone.
 */
import * as z from "zod/mini";
import { described, nonEmpty, timeoutMsSchema } from "../core/mini-schemas.js";

const timeoutMs = described(z.optional(timeoutMsSchema), "Budget of one network call, in milliseconds.");

function httpUrl() {
  return z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
}

/** src/directory/entra/options.ts, without `clientSecret` and `runtime`. */
const entraSource = {
  id: z._default(nonEmpty, "entra"),
  tenantId: z.guid("must be the tenant's GUID"),
  clientId: nonEmpty,
  authority: z._default(httpUrl(), "https://login.microsoftonline.com"),
  graphUrl: z._default(httpUrl(), "https://graph.microsoft.com"),
  throttle: z.prefault(
    z.strictObject({
      maxRetries: z._default(z.int().check(z.gte(0), z.lte(20)), 6),
      maxRetryAfterSeconds: z._default(z.number().check(z.positive()), 120),
      backoffSeconds: z._default(z.number().check(z.positive()), 1),
    }),
    {},
  ),
};

/** Attribute and claim names Keycloak accepts in a user profile and a mapper. */
const attributeName = z
  .string()
  .check(z.regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, "must be a plain attribute name"));

/** src/directory/keycloak/options.ts, without `clientSecret` and `runtime`. */
const keycloakTarget = {
  id: z._default(nonEmpty, "keycloak"),
  url: z.pipe(
    httpUrl(),
    z.transform((u: string) => u.replace(/\/+$/, "")),
  ),
  realm: nonEmpty,
  clientId: nonEmpty,
  attribute: z._default(attributeName, "entra_id"),
  groupAttribute: z._default(attributeName, "entra_group_id"),
  claim: z.optional(attributeName),
  clients: z._default(z.array(nonEmpty), []),
  retry: z.prefault(
    z.strictObject({
      attempts: z._default(z.int().check(z.gte(1), z.lte(20)), 6),
      backoffMs: z._default(z.int().check(z.gte(0)), 500),
    }),
    {},
  ),
};

const disablePolicy = z.enum(["propagate", "hold"]);

/** src/directory/mirror/options.ts: the options of `mirror()` that a file can give. */
const mirrorOptions = {
  name: z._default(nonEmpty, "default"),
  disables: z.optional(
    z.union([
      disablePolicy,
      z.strictObject({
        policy: disablePolicy,
        trustedInitiators: z._default(z.array(nonEmpty), []),
        evidence: z.prefault(
          z.strictObject({
            maxAgeDays: z._default(z.number().check(z.positive(), z.lte(30)), 30),
            slackMinutes: z._default(z.number().check(z.gte(0), z.lte(1440)), 15),
          }),
          {},
        ),
      }),
    ]),
  ),
  policy: z.optional(disablePolicy),
  brake: z.prefault(
    z.strictObject({
      maxCount: z.optional(z.int().check(z.gte(0))),
      maxPercent: z._default(z.number().check(z.gte(0), z.lte(100)), 10),
    }),
    {},
  ),
  onboarding: z.prefault(
    z.strictObject({
      requiredActions: z._default(z.array(nonEmpty), ["UPDATE_PASSWORD"]),
      email: z._default(z.boolean(), false),
    }),
    {},
  ),
  emailVerified: z._default(z.boolean(), true),
  groups: z._default(z.boolean(), true),
  roles: z._default(
    z.array(
      z.strictObject({
        appId: nonEmpty,
        client: nonEmpty,
        roles: z.record(z.guid("must be an appRoleId GUID"), nonEmpty),
      }),
    ),
    [],
  ),
  concurrency: z._default(z.int().check(z.gte(1), z.lte(32)), 4),
};

/**
 * The section's schema. `secret` is the file's secret rule (a `{ "env": NAME }` reference, a value refused),
 * passed in by file-schema.ts so the two modules do not import each other.
 */
export function directorySectionSchema<S extends z.ZodMiniType>(secret: S) {
  const section = z.strictObject({
    source: described(
      z.strictObject({ ...entraSource, clientSecret: secret, timeoutMs }),
      "The Entra tenant read through Microsoft Graph, and the mirror app's credentials.",
    ),
    target: described(
      z.strictObject({ ...keycloakTarget, clientSecret: secret, timeoutMs }),
      "The Keycloak realm written through its Admin API, and the service-account client.",
    ),
    ...mirrorOptions,
    state: z.optional(
      z.strictObject({
        file: described(
          z.optional(nonEmpty),
          "The mirror's checkpoint file (JSON), relative to this file's folder; default .idswitch/mirror-state.json in the working folder.",
        ),
      }),
    ),
  });
  return described(
    section.check(
      z.superRefine((options, ctx) => {
        if (options.disables !== undefined && options.policy !== undefined)
          ctx.addIssue({
            code: "custom",
            path: ["disables"],
            message: "give disables or policy, not both (policy is the earlier form of disables)",
          });
        else if (options.disables === undefined && options.policy === undefined)
          ctx.addIssue({
            code: "custom",
            path: ["disables"],
            message:
              'missing: { "policy": "propagate", "trustedInitiators": [...] }, { "policy": "hold" }, or "propagate" / "hold"',
          });
      }),
    ),
    "The directory mirror (idswitch mirror) and the exit-readiness report (idswitch readiness).",
  );
}
