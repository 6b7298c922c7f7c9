/**
 * The Entra source's settings that can be written down — everything of
 * `entraDirectory()`'s options but the secret and the runtime — in
 * `zod/mini`: the configuration file's `directory.source` (part of the root
 * entry, where classic zod would weigh ≈ 450 KB in an edge bundle) and
 * `entraDirectory()` build on this one shape.
 */
import * as z from "zod/mini";
import { nonEmpty } from "../../core/mini-schemas.js";

export const httpUrl = () => z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

export const entraSourceShape = {
  /** Names the source in errors ("entra"). */
  id: z._default(nonEmpty, "entra"),
  tenantId: z.guid("must be the tenant's GUID"),
  clientId: nonEmpty,
  /** The login host; an emulator's origin in tests. */
  authority: z._default(httpUrl(), "https://login.microsoftonline.com"),
  /** Graph's origin; requests go to `${graphUrl}/v1.0/...`. */
  graphUrl: z._default(httpUrl(), "https://graph.microsoft.com"),
  /** Graph's throttling (docs/reference/entra-id.md §11.6): retries of a 429, the longest `Retry-After` waited for, the first backoff. */
  throttle: z.prefault(
    z.strictObject({
      maxRetries: z._default(z.int().check(z.gte(0), z.lte(20)), 6),
      maxRetryAfterSeconds: z._default(z.number().check(z.positive()), 120),
      backoffSeconds: z._default(z.number().check(z.positive()), 1),
    }),
    {},
  ),
};
