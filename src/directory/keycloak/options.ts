/**
 * Options of `keycloakDirectory()`, checked with zod when it is called.
 */
import { z } from "zod";
import { nonEmpty, runtimeOptionsSchema } from "../../core/schemas.js";

/** Attribute and claim names Keycloak accepts in a user profile and a mapper. */
const attributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, "must be a plain attribute name");

export const keycloakDirectorySchema = z.strictObject({
  /** Names the target in errors ("keycloak"). */
  id: nonEmpty.default("keycloak"),
  /** The server's base URL, e.g. `https://auth.example.eu` (without `/realms/...`). */
  url: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .transform((u) => u.replace(/\/+$/, "")),
  realm: nonEmpty,
  /** A confidential client of `realm` whose service account holds realm-management roles (docs/reference/keycloak.md §5.1). */
  clientId: nonEmpty,
  clientSecret: nonEmpty,
  /** The user attribute holding the source key (`tid:oid`); declared admin-only in the user profile by the mirror. */
  attribute: attributeName.default("entra_id"),
  /** The group attribute holding the Entra group id. */
  groupAttribute: attributeName.default("entra_group_id"),
  /** The token claim the attribute is mapped to (createIdentity's `linking.claim.name`). */
  claim: attributeName.optional(),
  /** Clients (by clientId) whose tokens carry the claim: a protocol mapper is ensured on each. */
  clients: z.array(nonEmpty).default([]),
  /** Keycloak failing (5xx, 429, network): tries per call and the first pause, doubled each try. */
  retry: z
    .strictObject({
      attempts: z.int().min(1).max(20).default(6),
      backoffMs: z.int().min(0).default(500),
    })
    .prefault({}),
  runtime: runtimeOptionsSchema.optional(),
});

/**
 * Options of {@link keycloakDirectory}: the realm to write to and the service-account credentials.
 *
 * @example
 * const options: KeycloakDirectoryOptionsInput = {
 *   url: "https://auth.example.eu",
 *   realm: "acme",
 *   clientId: "idswitch-mirror",
 *   clientSecret: env.MIRROR_KC_SECRET,
 *   claim: "entra_id", // = createIdentity's linking.claim.name, so a Keycloak sign-in joins the Entra user's app user
 *   clients: ["web"],
 * };
 */
export type KeycloakDirectoryOptionsInput = z.input<typeof keycloakDirectorySchema>;
export type KeycloakDirectoryOptions = z.output<typeof keycloakDirectorySchema>;
