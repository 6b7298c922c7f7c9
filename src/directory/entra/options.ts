/**
 * Options of `entraDirectory()`, checked with zod when it is called: every
 * problem reported at once with its path, never with the rejected value.
 */
import { z } from "zod";
import { nonEmpty, runtimeOptionsSchema } from "../../core/schemas.js";
import { entraSourceShape } from "./options-shape.js";

export const entraDirectorySchema = z.strictObject({
  ...entraSourceShape,
  clientSecret: nonEmpty,
  runtime: runtimeOptionsSchema.optional(),
});

/**
 * Options of {@link entraDirectory}: the tenant and the app credentials used to read Microsoft Graph.
 *
 * @example
 * // The app reads with User.Read.All, GroupMember.Read.All and Application.Read.All, and nothing more;
 * // AuditLog.Read.All too (Microsoft also lists Directory.Read.All) when the mirror's
 * // disables.trustedInitiators asks who disabled someone: without it, every disable is quarantined.
 * const options: EntraDirectoryOptionsInput = { tenantId, clientId, clientSecret: env.MIRROR_SECRET, throttle: { maxRetries: 3 } };
 * const source = entraDirectory(options);
 */
export type EntraDirectoryOptionsInput = z.input<typeof entraDirectorySchema>;
