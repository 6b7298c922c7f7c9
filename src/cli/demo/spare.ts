/**
 * The EU spare the demo runs against: the real Keycloak when one is
 * reachable (KEYCLOAK_URL), otherwise the Keycloak-lite emulator. The story
 * only needs what this interface says.
 */

export interface DemoPerson {
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  /** The Entra `tid:oid` the directory mirror would write: how the spare's sign-in finds the same app user. */
  readonly entraId: string;
}

export interface Spare {
  /** What the narration calls it. */
  readonly label: string;
  readonly issuer: string;
  /** A confidential web client and its redirect URI (where the sign-in stops). */
  readonly web: { readonly clientId: string; readonly clientSecret: string; readonly redirectUri: string };
  /** A confidential client allowed to use client credentials. */
  readonly daemon: { readonly clientId: string; readonly clientSecret: string };
  /** The claim that carries `entraId` in the spare's tokens. */
  readonly linkClaim: string;
  /** Creates the person as the mirror would (no password copied: the demo sets one for the story). */
  addPerson(person: DemoPerson): Promise<void>;
  close(): Promise<void>;
}
