/**
 * The `directory` section of `idswitch.config.json`: what `idswitch mirror`
 * and `idswitch readiness` read. It accepts exactly what `entraDirectory()`,
 * `keycloakDirectory()` and `mirror()` accept, minus what cannot be written in
 * a file (functions, the runtime, the state store) and with secrets as
 * `{ "env": NAME }` references, with the same defaults and messages.
 *
 * Built from the directory module's own `zod/mini` shapes (its
 * `options-shape.ts` files), never from its classic zod schemas: this file is
 * part of the root entry, and one classic schema in it brings all of zod
 * (≈ 450 KB minified) into every edge bundle.
 */
import * as z from "zod/mini";
import { described, nonEmpty, timeoutMsSchema } from "../core/mini-schemas.js";
import { entraSourceShape } from "../directory/entra/options-shape.js";
import { keycloakTargetShape } from "../directory/keycloak/options-shape.js";
import { mirrorRulesShape } from "../directory/mirror/options-shape.js";

const timeoutMs = described(z.optional(timeoutMsSchema), "Budget of one network call, in milliseconds.");

/**
 * The section's schema. `secret` is the file's secret rule (a `{ "env": NAME }` reference, a value refused),
 * passed in by file-schema.ts so the two modules do not import each other.
 */
export function directorySectionSchema<S extends z.ZodMiniType>(secret: S) {
  const section = z.strictObject({
    source: described(
      z.strictObject({ ...entraSourceShape, clientSecret: secret, timeoutMs }),
      "The Entra tenant read through Microsoft Graph, and the mirror app's credentials.",
    ),
    target: described(
      z.strictObject({ ...keycloakTargetShape, clientSecret: secret, timeoutMs }),
      "The Keycloak realm written through its Admin API, and the service-account client.",
    ),
    ...mirrorRulesShape,
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
