/**
 * `idswitch/testing`: test doubles for the identity providers idswitch
 * speaks to. Node-only; never imported by the root entry.
 *
 * - {@link createEntraEmulator}: Microsoft Entra ID on 127.0.0.1, faithful to
 *   the real service's payloads and AADSTS answers (shared/ENTRA.md).
 * - {@link createClientCertificate}: a key and a self-signed certificate to
 *   register on an emulated app and to authenticate with.
 *
 * @example
 * import { createEntraEmulator } from "idswitch/testing";
 *
 * const entra = await createEntraEmulator();
 * const tenant = entra.addTenant();
 */
export { type ClientCertificate, createClientCertificate } from "./entra/client-certificate.js";
export { createEntraEmulator, type EntraEmulator } from "./entra/emulator.js";
export type { EntraGraphControl } from "./entra/graph-types.js";
export type {
  EntraApp,
  EntraAppOptions,
  EntraAppState,
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
} from "./entra/types.js";
export { type PasswordCredentials, type PasswordSignIn, signInWithPassword } from "./sign-in.js";
