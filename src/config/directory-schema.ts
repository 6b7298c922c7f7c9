/**
 * The `directory` section of `idswitch.config.json`: what `idswitch mirror`
 * and `idswitch readiness` read. Built from the very zod schemas that
 * `entraDirectory()`, `keycloakDirectory()` and `mirror()` check their options
 * with, minus what cannot be written in a file (functions, the runtime, the
 * state store) and with secrets as `{ "env": NAME }` references — so the file
 * accepts exactly what the library does, with the same defaults and messages.
 */
import { z } from "zod";
import { nonEmpty, timeoutMsSchema } from "../core/schemas.js";
import { entraDirectorySchema } from "../directory/entra/options.js";
import { keycloakDirectorySchema } from "../directory/keycloak/options.js";
import { mirrorSchema } from "../directory/mirror/options.js";

const timeoutMs = timeoutMsSchema.optional().describe("Budget of one network call, in milliseconds.");

/**
 * The section's schema. `secret` is the file's secret rule (a `{ "env": NAME }` reference, a value refused),
 * passed in by file-schema.ts so the two modules do not import each other.
 */
export function directorySectionSchema<S extends z.ZodType>(secret: S) {
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
