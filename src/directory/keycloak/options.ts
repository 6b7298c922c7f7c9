/**
 * Options of `keycloakDirectory()`, checked with zod when it is called.
 */
import { z } from "zod";
import { nonEmpty, runtimeOptionsSchema } from "../../core/schemas.js";
import { keycloakTargetShape } from "./options-shape.js";

export const keycloakDirectorySchema = z.strictObject({
  ...keycloakTargetShape,
  clientSecret: nonEmpty,
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
