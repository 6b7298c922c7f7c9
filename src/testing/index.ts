/**
 * `idswitch/testing`: test doubles for the identity providers idswitch
 * speaks to. Node-only; never imported by the root entry.
 *
 * - {@link createEntraEmulator}: Microsoft Entra ID on 127.0.0.1, faithful to
 *   the real service's payloads and AADSTS answers (docs/reference/entra-id.md).
 * - {@link createClientCertificate}: a key and a self-signed certificate to
 *   register on an emulated app and to authenticate with.
 * - {@link createKeycloakEmulator}: a Keycloak-lite on 127.0.0.1 (realms,
 *   login page, Keycloak's claims and error strings, docs/reference/keycloak.md);
 *   passes the same provider contract suite as a real Keycloak 26.7.3.
 *
 * @example
 * import { createEntraEmulator } from "idswitch/testing";
 *
 * const entra = await createEntraEmulator();
 * const tenant = entra.addTenant();
 *
 * @module idswitch/testing
 */
export { type ClientCertificate, createClientCertificate } from "./entra/client-certificate.js";
export { createEntraEmulator, type EntraEmulator } from "./entra/emulator.js";
export type { EntraGraphControl } from "./entra/graph-types.js";
export type {
  EntraApp,
  EntraAppOptions,
  EntraAppState,
  EntraAuditApp,
  EntraAuditInitiator,
  EntraAuditUser,
  EntraEmulatorOptions,
  EntraFault,
  EntraFaultEndpoint,
  EntraFaultMode,
  EntraGraphThrottle,
  EntraGroup,
  EntraGroupOptions,
  EntraPasswordChange,
  EntraRequest,
  EntraTenant,
  EntraTenantOptions,
  EntraTenantState,
  EntraUser,
  EntraUserOptions,
  EntraUserState,
  EntraUserStateOptions,
} from "./entra/types.js";
export { createKeycloakEmulator, type KeycloakEmulator } from "./keycloak/emulator.js";
export type {
  KeycloakBruteForceOptions,
  KeycloakBruteForceStatus,
  KeycloakClientOptions,
  KeycloakClientRepresentation,
  KeycloakCredential,
  KeycloakEmulatorOptions,
  KeycloakFault,
  KeycloakFaultEndpoint,
  KeycloakFaultMode,
  KeycloakGroupRepresentation,
  KeycloakImportedRealm,
  KeycloakMapper,
  KeycloakRealmOptions,
  KeycloakRealmRepresentation,
  KeycloakRequest,
  KeycloakUser,
  KeycloakUserOptions,
  KeycloakUserRepresentation,
} from "./keycloak/types.js";
export { type PasswordCredentials, type PasswordSignIn, signInWithPassword } from "./sign-in.js";
