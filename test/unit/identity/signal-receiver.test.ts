/**
 * `identity.signalReceiver`: a Shared Signals event pushed by the provider's
 * transmitter ends the person's sessions in the identity's own index (the
 * receiver's verification cases are in test/unit/signals; the real Keycloak
 * transmitter in test/integration/signals).
 */
import { describe, expect, it } from "vitest";
import { createIdentity, oidc } from "../../../src/index.js";
import { createFakeIssuer, signInAtFake } from "../../support/fake-issuer.js";
import { AUDIENCE, fakeTransmitter, ISSUER, PUSH_SECRET, pushRequest } from "../../support/ssf-fakes.js";

const REDIRECT = "https://app.example.test/callback";

describe("identity.signalReceiver", () => {
  it("a CAEP credential-change for Ada ends her sessions, not Bob's; replayed, it is refused", async () => {
    const idp = await createFakeIssuer(ISSUER);
    const identity = createIdentity({
      providers: [
        oidc({
          id: "eu",
          issuer: ISSUER,
          clientId: "app",
          clientSecret: "s",
          redirectUri: REDIRECT,
          runtime: { fetch: idp.fetch },
        }),
      ],
      routing: { health: false },
      telemetry: false,
    });
    const signIn = (sub: string, sid: string) => signInAtFake(identity, idp, REDIRECT, { sub, sid });
    const [ada1, ada2, bob] = [
      await signIn("ada", "s1"),
      await signIn("ada", "s2"),
      await signIn("bob", "s3"),
    ];
    const transmitter = await fakeTransmitter();
    const revoked: unknown[] = [];
    identity.on("session-revoked", (e) => revoked.push(e));
    const receiver = identity.signalReceiver(
      {
        transmitters: [
          {
            provider: "eu",
            issuer: ISSUER,
            audience: AUDIENCE,
            delivery: { method: "push", authorization: PUSH_SECRET },
          },
        ],
      },
      { fetch: transmitter.fetch },
    );
    const set = await transmitter.sign(); // credential-change for iss_sub ada
    expect((await receiver.push(pushRequest(set))).status).toBe(202);
    expect([await identity.isRevoked(ada1), await identity.isRevoked(ada2)]).toEqual([true, true]);
    expect(await identity.isRevoked(bob)).toBe(false);
    expect(revoked).toEqual([{ provider: "eu", source: "credential_change", ended: 2 }]);
    expect((await receiver.push(pushRequest(set))).status).toBe(400);
    await receiver.stop();
    await identity.close();
  });
});
