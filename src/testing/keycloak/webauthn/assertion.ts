/**
 * Verifying an authentication assertion (W3C WebAuthn Level 3 §7.2,
 * "Verifying an Authentication Assertion") against a stored credential: the
 * user handle (a usernameless sign-in must carry it, step 6), the client
 * data, the authenticator data, the signature over authenticatorData ‖
 * SHA-256(clientDataJSON) (steps 19–20) and the signature counter (step 21).
 */
import { createHash } from "node:crypto";
import { checkAuthenticatorData, parseAuthenticatorData } from "./auth-data.js";
import { CborError } from "./cbor.js";
import { checkClientData, type ExpectedCeremony } from "./client-data.js";
import { type CoseAlgorithm, type PublicJwk, signatureValid } from "./cose.js";
import { refuse, WebAuthnError } from "./errors.js";

export interface AssertionResponse {
  /** base64url, `PublicKeyCredential.id` */
  readonly credentialId: string;
  readonly clientDataJSON: Uint8Array;
  readonly authenticatorData: Uint8Array;
  readonly signature: Uint8Array;
  readonly userHandle: Uint8Array | undefined;
}

export interface StoredCredential {
  /** base64url */
  readonly credentialId: string;
  readonly publicKey: PublicJwk;
  readonly alg: CoseAlgorithm;
  readonly signCount: number;
  /** The user handle given at registration (`user.id`): the user's id as UTF-8. */
  readonly userHandle: string;
}

/** Resolves to the new signature counter, to store. */
export function verifyAssertion(
  response: AssertionResponse,
  credential: StoredCredential,
  expected: ExpectedCeremony,
): { readonly signCount: number } {
  if (response.credentialId !== credential.credentialId) refuse("the assertion is for another credential");
  if (!response.userHandle || response.userHandle.length === 0) {
    refuse("the assertion carries no user handle (a passkey sign-in names no user otherwise)");
  }
  if (Buffer.from(response.userHandle).toString("utf8") !== credential.userHandle) {
    refuse("the user handle is not the one the credential was registered for");
  }
  checkClientData(response.clientDataJSON, "webauthn.get", expected);
  let data: ReturnType<typeof parseAuthenticatorData>;
  try {
    data = parseAuthenticatorData(response.authenticatorData);
  } catch (err) {
    if (err instanceof CborError) throw new WebAuthnError(`authenticatorData: ${err.message}`);
    throw err;
  }
  checkAuthenticatorData(data, expected.rpId);
  const hash = createHash("sha256").update(response.clientDataJSON).digest();
  const signed = Buffer.concat([response.authenticatorData, hash]);
  if (!signatureValid(credential.publicKey, credential.alg, signed, response.signature)) {
    refuse("the signature does not verify with the credential's public key");
  }
  // [guess] §7.2 step 21 leaves the policy to the relying party; a counter that does not grow (when either is
  // non-zero) is refused here, as a sign of a cloned authenticator.
  if ((data.signCount !== 0 || credential.signCount !== 0) && data.signCount <= credential.signCount) {
    refuse(`the signature counter ${data.signCount} did not grow past ${credential.signCount}`);
  }
  return { signCount: data.signCount };
}
