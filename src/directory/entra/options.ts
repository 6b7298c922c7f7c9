/**
 * Options of `entraDirectory()`, checked with zod when it is called: every
 * problem reported at once with its path, never with the rejected value.
 */
import { z } from "zod";
import { nonEmpty, runtimeOptionsSchema } from "../../core/schemas.js";

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

export const entraDirectorySchema = z.strictObject({
  /** Names the source in errors ("entra"). */
  id: nonEmpty.default("entra"),
  tenantId: z.guid("must be the tenant's GUID"),
  clientId: nonEmpty,
  clientSecret: nonEmpty,
  /** The login host; an emulator's origin in tests. */
  authority: httpUrl.default("https://login.microsoftonline.com"),
  /** Graph's origin; requests go to `${graphUrl}/v1.0/...`. */
  graphUrl: httpUrl.default("https://graph.microsoft.com"),
  /** Graph's throttling (docs/reference/entra-id.md §11.6): retries of a 429, the longest `Retry-After` waited for, the first backoff. */
  throttle: z
    .strictObject({
      maxRetries: z.int().min(0).max(20).default(6),
      maxRetryAfterSeconds: z.number().positive().default(120),
      backoffSeconds: z.number().positive().default(1),
    })
    .prefault({}),
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
