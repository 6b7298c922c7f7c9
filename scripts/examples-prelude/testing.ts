// The free variables of the `@example` blocks under src/testing/ (see
// idswitch.ts): a test file with emulators set up.

import type {
  EntraApp,
  EntraEmulator,
  EntraGroup,
  EntraTenant,
  EntraUser,
  KeycloakEmulator,
  KeycloakRealmRepresentation,
  KeycloakUser,
} from "idswitch/testing";
import type { JWTPayload } from "jose";

export { spawn } from "node:child_process";
export { readFileSync } from "node:fs";
export { afterAll, expect } from "vitest";
export * from "./idswitch.js";

export declare const entra: EntraEmulator;
export declare const kc: KeycloakEmulator;
export declare const tenant: EntraTenant;
export declare const user: EntraUser;
export declare const ada: KeycloakUser;
export declare const app: EntraApp;
export declare const web: EntraApp;
export declare const api: EntraApp;
export declare const service: EntraApp;
export declare const mirrorApp: EntraApp;
export declare const staff: EntraGroup;
export declare const everyone: EntraGroup;
export declare const group: EntraGroup;
export declare const groupId: string;
/** A token as issued, and its decoded payload. */
export declare const accessToken: string;
export declare const claims: JWTPayload;
/** An `authorization` header value: `Bearer …`. */
export declare const authorization: string;
/** The emulator's CA certificate, written to a file. */
export declare const caFile: string;
export declare const realmJson: KeycloakRealmRepresentation;
/** A test's clock (epoch ms). */
export declare const clock: number;
/** The sign-in page's address, and the app's callback address. */
export declare const url: URL;
export declare const redirectUriPrefix: string;
