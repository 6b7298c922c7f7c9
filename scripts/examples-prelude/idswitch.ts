// The free variables of the `@example` blocks in src/, with the types the
// package gives them (scripts/check-examples.mjs imports those an example
// uses). Examples under the other entry points see these too, through their
// own prelude file; a name there overrides the one here.
//
// Declarations only: nothing here runs. An example that needs a new free
// variable gets it here, typed as honestly as the package allows (an `any`
// would let the example call anything); an API name is never declared here.

import type {
  ClaimsChallenge,
  DeviceLogin,
  EntraProvider,
  Identity,
  IdentityLoginState,
  IdentitySession,
  KeycloakProvider,
  Link,
  LinkStore,
  Logger,
  Principal,
  Provider,
  ProviderAccount,
  StateStore,
} from "idswitch";
import type { ConfigDocument } from "idswitch/config";
import type { Pool } from "pg";

export { readFile } from "node:fs/promises";
export { z } from "zod";

// ── The app's identity and its providers ─────────────────────────────────
export declare const identity: Identity;
export declare const providers: Provider[];
export declare const provider: Provider;
export declare const entra: EntraProvider;
export declare const eu: KeycloakProvider;
export declare const links: LinkStore;
export declare const state: StateStore;
/** Provider settings, as read from the app's configuration. */
export declare const tenantId: string;
export declare const clientId: string;
export declare const clientSecret: string;
export declare const issuer: string;
export declare const audience: string;
/** The app's settings, checked at start-up (so each one is a string). */
export declare const env: Readonly<
  Record<
    | "DATABASE_URL"
    | "ENTRA_CERT_PEM"
    | "ENTRA_KEY_PEM"
    | "ENTRA_SECRET"
    | "KEYCLOAK_ADMIN_SECRET"
    | "KEYCLOAK_SECRET"
    | "MIRROR_KC_SECRET"
    | "MIRROR_SECRET"
    | "OLD_SESSION_SECRET"
    | "PARTNER_SECRET"
    | "REDIS_URL"
    | "SESSION_SECRET"
    | "SSF_PUSH_SECRET",
    string
  >
>;

// ── A request in flight ──────────────────────────────────────────────────
export declare const bearer: string;
export declare const callbackUrl: URL;
export declare const loginState: IdentityLoginState;
export declare const session: IdentitySession;
export declare const current: IdentitySession;
export declare const second: IdentitySession;
export declare const principal: Principal;
export declare const principals: Principal[];
export declare const handle: DeviceLogin;
export declare const appUserId: string;
export declare const account: ProviderAccount;
export declare const err: unknown;
export declare const challenge: ClaimsChallenge;
/** An API's answer (CAE: a 401 with a claims challenge). */
export declare const response: Response;
export declare const ordersApi: string;
export declare const graphUrl: string;
export declare const euIssuer: string;
/** An inbound request's parts, as a server hands them out. */
export declare const url: string;
export declare const headers: Headers;
export declare const body: string;
/** The session index, as a receiver of signals holds it. */
export declare const revoker: import("idswitch").SessionRevoker;
/** A form the provider posted (back-channel logout: `logout_token`). */
export declare const form: URLSearchParams;
/** An Express request with server-side session data (express-session). */
export declare const req: { session: { login: IdentityLoginState } };
export declare const res: import("express").Response;

// ── The app's own code ───────────────────────────────────────────────────
export declare const log: Logger;
export declare const metrics: {
  count(name: string, labels?: Record<string, string>): void;
  observe(name: string, value: number): void;
};
export declare const audit: { record(...fields: string[]): void };
export declare const db: {
  orders: { findMany(query: { where: { owner: string } }): Promise<unknown[]> };
  users: { findByVerifiedEmail(email: string): Promise<{ id: string } | undefined> };
};
export declare const pool: Pool;
export declare const instanceId: string;
export declare const clock: { now(): number };
export declare class Forbidden extends Error {}
export declare function offer(alternatives: readonly string[] | undefined): Response;
export declare function offerTheSpare(provider: string | undefined): void;
export declare function retryLater(): void;
export declare function signInAgain(): Response;
export declare function backOff(retryAfterSeconds: number | undefined): void;
export declare function showLoginError(): Response;
export declare function showMessage(text: string): void;
export declare function saveLoginState(state: IdentityLoginState): Promise<void>;
export declare function onboard(appUserId: string): Promise<void>;
export declare function report(link: Link): void;

// ── Configuration text ───────────────────────────────────────────────────
/** A configuration file's text, and the JSON parsed from it. */
export declare const text: string;
export declare const json: unknown;
export declare const document: unknown;
export declare const config: ConfigDocument;
/** Options as given, not yet checked. */
export declare const input: unknown;
