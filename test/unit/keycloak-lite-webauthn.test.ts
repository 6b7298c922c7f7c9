/**
 * Keycloak-lite's WebAuthn verification (W3C WebAuthn Level 3 §7.1, §7.2)
 * against a software authenticator built from WebCrypto: a good registration
 * and assertion pass, and each attack is refused with a WebAuthnError.
 */
import { describe, expect, it } from "vitest";
import { type StoredCredential, verifyAssertion } from "../../src/testing/keycloak/webauthn/assertion.js";
import { Challenges } from "../../src/testing/keycloak/webauthn/challenges.js";
import { WebAuthnError } from "../../src/testing/keycloak/webauthn/errors.js";
import { verifyRegistration } from "../../src/testing/keycloak/webauthn/registration.js";
import { encodeCbor, FLAGS_UP_UV, SoftwareAuthenticator } from "../support/software-authenticator.js";

const ORIGIN = "http://localhost:8080";
const RP_ID = "localhost";
const USER = "5b0a2f1e-0000-4000-8000-000000000001";
const ceremony = (challenge = "c2VydmVyLWNoYWxsZW5nZS0xMjM0NTY3ODkw") => ({
  challenge,
  origin: ORIGIN,
  rpId: RP_ID,
});

async function registered(alg: -7 | -257 = -7) {
  const authenticator = await SoftwareAuthenticator.create(alg);
  const verified = verifyRegistration(authenticator.register(ceremony()), ceremony());
  const stored: StoredCredential = { ...verified, userHandle: USER };
  return { authenticator, stored };
}

function refused(attempt: () => unknown, reason: RegExp): void {
  expect(attempt).toThrow(WebAuthnError);
  expect(attempt).toThrow(reason);
}

async function refusedAsync(attempt: () => Promise<unknown>, reason: RegExp): Promise<void> {
  const err = await attempt().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WebAuthnError);
  expect((err as Error).message).toMatch(reason);
}

describe("Keycloak-lite passkey registration", () => {
  it("accepts an ES256 passkey and keeps its key as a JWK", async () => {
    const authenticator = await SoftwareAuthenticator.create();
    const verified = verifyRegistration(authenticator.register(ceremony()), ceremony());
    expect(verified).toMatchObject({ credentialId: authenticator.id, alg: -7, signCount: 0 });
    expect(verified.publicKey).toMatchObject({ kty: "EC", crv: "P-256" });
  });

  it("accepts an RS256 passkey", async () => {
    const authenticator = await SoftwareAuthenticator.create(-257);
    const verified = verifyRegistration(authenticator.register(ceremony()), ceremony());
    expect(verified).toMatchObject({ alg: -257, publicKey: { kty: "RSA" } });
  });

  it.each([
    ["a wrong challenge", { challenge: "b3RoZXItY2hhbGxlbmdl" }, /challenge is not the one issued/],
    ["a wrong origin", { origin: "http://localhost:9999" }, /origin .* is not http:\/\/localhost:8080/],
    ["another relying party's rpIdHash", { rpId: "evil.example" }, /rpIdHash is not SHA-256 of "localhost"/],
    ["no user verification (UV)", { flags: 0x01 }, /user-verified flag/],
    ["no user presence (UP)", { flags: 0x04 }, /user-present flag/],
    ["an assertion posted as a registration", { type: "webauthn.get" }, /type is "webauthn.get"/],
    ["an attestation format other than none", { fmt: "packed" }, /format "packed"/],
  ])("refuses %s", async (_name, spoil, reason) => {
    const authenticator = await SoftwareAuthenticator.create();
    refused(() => verifyRegistration(authenticator.register(ceremony(), spoil), ceremony()), reason);
  });

  it("refuses a replayed response: the challenge is taken once", async () => {
    const challenges = new Challenges();
    const challenge = challenges.issue("tab-1", "create");
    const authenticator = await SoftwareAuthenticator.create();
    const response = authenticator.register(ceremony(challenge));
    const expected = (c: string | undefined) => ({ challenge: c, origin: ORIGIN, rpId: RP_ID });
    expect(() => verifyRegistration(response, expected(challenges.take("tab-1", "create")))).not.toThrow();
    refused(() => verifyRegistration(response, expected(challenges.take("tab-1", "create"))), /no challenge/);
    // Nor does a challenge of one ceremony serve the other.
    challenges.issue("tab-1", "get");
    expect(challenges.take("tab-1", "create")).toBeUndefined();
  });

  it("refuses a credential id that is not the one in authData", async () => {
    const authenticator = await SoftwareAuthenticator.create();
    const response = { ...authenticator.register(ceremony()), credentialId: "AAAA" };
    refused(() => verifyRegistration(response, ceremony()), /credential id posted/);
  });

  it("refuses a malformed attestation object and tampered client data without crashing", async () => {
    const authenticator = await SoftwareAuthenticator.create();
    const good = authenticator.register(ceremony());
    refused(
      () =>
        verifyRegistration(
          { ...good, attestationObject: good.attestationObject.subarray(0, 40) },
          ceremony(),
        ),
      /attestationObject: CBOR: /,
    );
    refused(
      () => verifyRegistration({ ...good, attestationObject: encodeCbor([1, 2]) }, ceremony()),
      /not a CBOR map/,
    );
    const tampered = new TextDecoder()
      .decode(good.clientDataJSON)
      .replace("webauthn.create", "webauthn.crea");
    refused(
      () => verifyRegistration({ ...good, clientDataJSON: new TextEncoder().encode(tampered) }, ceremony()),
      /type/,
    );
    refused(
      () => verifyRegistration({ ...good, clientDataJSON: new TextEncoder().encode("{") }, ceremony()),
      /not JSON/,
    );
  });
});

describe("Keycloak-lite passkey sign-in", () => {
  it("accepts an assertion signed with the registered key and returns the new counter", async () => {
    const { authenticator, stored } = await registered();
    const assertion = await authenticator.assert(ceremony(), USER);
    expect(verifyAssertion(assertion, stored, ceremony())).toEqual({ signCount: 1 });
  });

  it("accepts an RS256 assertion", async () => {
    const { authenticator, stored } = await registered(-257);
    const assertion = await authenticator.assert(ceremony(), USER);
    expect(verifyAssertion(assertion, stored, ceremony())).toEqual({ signCount: 1 });
  });

  it.each([
    ["a wrong challenge", { challenge: "b3RoZXItY2hhbGxlbmdl" }, /challenge is not the one issued/],
    ["a wrong origin", { origin: "https://phish.example" }, /origin/],
    ["another relying party's rpIdHash", { rpId: "evil.example" }, /rpIdHash/],
    ["no user verification (UV)", { flags: FLAGS_UP_UV & ~0x04 }, /user-verified flag/],
    ["a registration posted as an assertion", { type: "webauthn.create" }, /type is "webauthn.create"/],
  ])("refuses %s", async (_name, spoil, reason) => {
    const { authenticator, stored } = await registered();
    const assertion = await authenticator.assert(ceremony(), USER, spoil);
    refused(() => verifyAssertion(assertion, stored, ceremony()), reason);
  });

  it("refuses a signature made with another key", async () => {
    const { authenticator, stored } = await registered();
    const thief = await SoftwareAuthenticator.create();
    const assertion = await authenticator.assert(ceremony(), USER, {}, thief);
    refused(() => verifyAssertion(assertion, stored, ceremony()), /signature does not verify/);
  });

  it("refuses client data changed after signing", async () => {
    const { authenticator, stored } = await registered();
    const assertion = await authenticator.assert(ceremony(), USER);
    const text = new TextDecoder()
      .decode(assertion.clientDataJSON)
      .replace('"crossOrigin":false', '"crossOrigin":0');
    const tampered = { ...assertion, clientDataJSON: new TextEncoder().encode(text) };
    refused(() => verifyAssertion(tampered, stored, ceremony()), /signature does not verify/);
    refused(
      () =>
        verifyAssertion({ ...assertion, signature: assertion.signature.subarray(0, 10) }, stored, ceremony()),
      /signature does not verify/,
    );
  });

  it("refuses an unknown credential, another user's handle and a missing handle", async () => {
    const { authenticator, stored } = await registered();
    const stranger = await SoftwareAuthenticator.create();
    const foreign = await stranger.assert(ceremony(), USER);
    refused(() => verifyAssertion(foreign, stored, ceremony()), /another credential/);
    const assertion = await authenticator.assert(ceremony(), "someone-else");
    refused(() => verifyAssertion(assertion, stored, ceremony()), /user handle is not/);
    refused(
      () => verifyAssertion({ ...assertion, userHandle: undefined }, stored, ceremony()),
      /no user handle/,
    );
  });

  it("refuses a replayed assertion: the challenge is gone, and so is the counter", async () => {
    const { authenticator, stored } = await registered();
    const challenges = new Challenges();
    const challenge = challenges.issue("tab-2", "get");
    const assertion = await authenticator.assert(ceremony(challenge), USER);
    const expected = () => ({ challenge: challenges.take("tab-2", "get"), origin: ORIGIN, rpId: RP_ID });
    const { signCount } = verifyAssertion(assertion, stored, expected());
    refused(() => verifyAssertion(assertion, { ...stored, signCount }, expected()), /no challenge/);
    // Even were its challenge waiting again, a counter that does not grow is refused (a cloned authenticator).
    refused(
      () => verifyAssertion(assertion, { ...stored, signCount }, ceremony(challenge)),
      /counter 1 did not grow past 1/,
    );
  });

  it("refuses truncated authenticator data with a reason", async () => {
    const { authenticator, stored } = await registered();
    const assertion = await authenticator.assert(ceremony(), USER);
    await refusedAsync(
      async () =>
        verifyAssertion(
          { ...assertion, authenticatorData: assertion.authenticatorData.subarray(0, 20) },
          stored,
          ceremony(),
        ),
      /shorter than 37/,
    );
  });
});
