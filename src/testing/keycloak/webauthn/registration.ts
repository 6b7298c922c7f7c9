/**
 * Verifying a registration (W3C WebAuthn Level 3 §7.1, "Registering a New
 * Credential") the way a relying party that asked for `attestation: "none"`
 * does: the client data, the attestation object (CBOR: `fmt`, `attStmt`,
 * `authData`, §6.5), the authenticator data and the credential's public key.
 */
import { checkAuthenticatorData, parseAuthenticatorData } from "./auth-data.js";
import { CborError, decodeCbor } from "./cbor.js";
import { checkClientData, type ExpectedCeremony } from "./client-data.js";
import { type CoseAlgorithm, checkJwk, coseToJwk, type PublicJwk } from "./cose.js";
import { base64url, refuse, WebAuthnError } from "./errors.js";

export interface RegistrationResponse {
  readonly clientDataJSON: Uint8Array;
  readonly attestationObject: Uint8Array;
  /** The id the browser reported (`PublicKeyCredential.id`, base64url); must match the one in authData. */
  readonly credentialId: string;
}

export interface VerifiedRegistration {
  /** base64url */
  readonly credentialId: string;
  readonly publicKey: PublicJwk;
  readonly alg: CoseAlgorithm;
  readonly signCount: number;
}

export function verifyRegistration(
  response: RegistrationResponse,
  expected: ExpectedCeremony,
): VerifiedRegistration {
  checkClientData(response.clientDataJSON, "webauthn.create", expected);
  let attestation: unknown;
  try {
    attestation = decodeCbor(response.attestationObject);
  } catch (err) {
    if (err instanceof CborError) refuse(`attestationObject: ${err.message}`);
    throw err;
  }
  if (!(attestation instanceof Map)) refuse("attestationObject is not a CBOR map");
  const authData = attestation.get("authData");
  if (!(authData instanceof Uint8Array)) refuse("attestationObject has no authData byte string");
  // [guess] Only the "none" format (§8.7): the pages ask for attestation "none", which makes the browser
  // replace any other statement by it (§5.4.7), and Keycloak's default policy checks no attestation.
  if (attestation.get("fmt") !== "none")
    refuse(`attestation format ${JSON.stringify(attestation.get("fmt"))} is not "none"`);
  const statement = attestation.get("attStmt");
  if (!(statement instanceof Map) || statement.size !== 0)
    refuse('a "none" attestation must have an empty attStmt');
  const data = parseAuthData(authData);
  checkAuthenticatorData(data, expected.rpId);
  if (!data.attested) refuse("authData carries no attested credential data (AT flag not set)");
  const credentialId = base64url(data.attested.credentialId);
  if (credentialId !== response.credentialId) refuse("the credential id posted is not the one in authData");
  const { alg, jwk } = coseToJwk(data.attested.publicKey);
  checkJwk(jwk);
  return { credentialId, publicKey: jwk, alg, signCount: data.signCount };
}

function parseAuthData(bytes: Uint8Array) {
  try {
    return parseAuthenticatorData(bytes);
  } catch (err) {
    if (err instanceof CborError) throw new WebAuthnError(`authData: ${err.message}`);
    throw err;
  }
}
