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
  /**
   * Makes the realm ready for passkeys (the WebAuthn passwordless policy and the
   * `webauthn-register-passwordless` action), idempotently. No e-mail is needed: the demo registers through
   * `kc_action`, not through Keycloak's execute-actions e-mail.
   */
  preparePasskeys(): Promise<void>;
  /**
   * Removes the person's password at the spare (the one the demo set so she could reach the registration
   * page), so that a later sign-in there is by passkey alone. Resolves false when there was none.
   */
  removePassword(username: string): Promise<boolean>;
  /**
   * Ends the person's sessions at the spare (the registration signed her in there): without it the browser's
   * SSO cookie would sign her in again without asking for anything, passkey included.
   */
  signOut(username: string): Promise<void>;
  close(): Promise<void>;
}
