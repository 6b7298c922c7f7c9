/**
 * The Keycloak target's settings that can be written down — everything of
 * `keycloakDirectory()`'s options but the secret and the runtime — in
 * `zod/mini`, shared by the configuration file's `directory.target` (root
 * entry) and `keycloakDirectory()`.
 */
import * as z from "zod/mini";
import { nonEmpty } from "../../core/mini-schemas.js";
import { httpUrl } from "../entra/options-shape.js";

/** Attribute and claim names Keycloak accepts in a user profile and a mapper. */
const attributeName = z
  .string()
  .check(z.regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, "must be a plain attribute name"));

export const keycloakTargetShape = {
  /** Names the target in errors ("keycloak"). */
  id: z._default(nonEmpty, "keycloak"),
  /** The server's base URL, e.g. `https://auth.example.eu` (without `/realms/...`). */
  url: z.pipe(
    httpUrl(),
    z.transform((u: string) => u.replace(/\/+$/, "")),
  ),
  realm: nonEmpty,
  /** A confidential client of `realm` whose service account holds realm-management roles (docs/reference/keycloak.md §5.1). */
  clientId: nonEmpty,
  /** The user attribute holding the source key (`tid:oid`); declared admin-only in the user profile by the mirror. */
  attribute: z._default(attributeName, "entra_id"),
  /** The group attribute holding the Entra group id. */
  groupAttribute: z._default(attributeName, "entra_group_id"),
  /** The token claim the attribute is mapped to (createIdentity's `linking.claim.name`). */
  claim: z.optional(attributeName),
  /** Clients (by clientId) whose tokens carry the claim: a protocol mapper is ensured on each. */
  clients: z._default(z.array(nonEmpty), []),
  /** Keycloak failing (5xx, 429, network): tries per call and the first pause, doubled each try. */
  retry: z.prefault(
    z.strictObject({
      attempts: z._default(z.int().check(z.gte(1), z.lte(20)), 6),
      backoffMs: z._default(z.int().check(z.gte(0)), 500),
    }),
    {},
  ),
};
