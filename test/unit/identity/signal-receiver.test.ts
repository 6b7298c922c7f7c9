/**
 * `identity.signalReceiver`: a Shared Signals event pushed by the provider's
 * transmitter ends the person's sessions in the identity's own index (the
 * receiver's verification cases are in test/unit/signals; the real Keycloak
 * transmitter in test/integration/signals).
 */
import { describe, expect, it, vi } from "vitest";
import { createIdentity, oidc } from "../../../src/index.js";
import { createFakeIssuer, signInAtFake } from "../../support/fake-issuer.js";
import { AUDIENCE, fakeTransmitter, ISSUER, PUSH_SECRET, pushRequest } from "../../support/ssf-fakes.js";

const REDIRECT = "https://app.example.test/callback";

/** An identity with one provider, "eu", served by an in-memory issuer whose issuer is the transmitter's. */
async function identityAtFakeIssuer() {
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
  return { idp, identity };
}

describe("identity.signalReceiver", () => {
  it("a CAEP credential-change for Ada ends her sessions, not Bob's; replayed, it is refused", async () => {
    const { idp, identity } = await identityAtFakeIssuer();
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

  it("tells the app's warning listeners of a refused SET and of a failing poll, without token contents", async () => {
    const { identity } = await identityAtFakeIssuer();
    const warnings: Array<{ provider: string | undefined; reason: string; message: string }> = [];
    identity.on("warning", (w) => {
      if (w.reason.startsWith("signal_")) warnings.push(w);
    });
    const transmitter = await fakeTransmitter();
    const pollPath = "/realms/acme/ssf/transmitter/streams/poll";
    transmitter.routes.set(pollPath, () => Response.json({ error: "unavailable" }, { status: 503 }));
    const polled: string[] = [];
    const receiver = identity.signalReceiver(
      {
        transmitters: [
          {
            id: "kc-push",
            provider: "eu",
            issuer: ISSUER,
            audience: AUDIENCE,
            delivery: { method: "push", authorization: PUSH_SECRET },
          },
          {
            id: "kc-poll",
            provider: "eu",
            issuer: ISSUER,
            audience: AUDIENCE,
            delivery: { method: "poll", endpointUrl: `https://auth.example.eu${pollPath}`, intervalMs: 100 },
          },
        ],
      },
      {
        fetch: transmitter.fetch,
        streamToken: async () => "poll-token",
        // The app's own listener still hears each failure.
        onPollError: (t) => polled.push(t),
      },
    );
    const forged = await transmitter.signWithStrangerKey();
    expect((await receiver.push(pushRequest(forged))).status).toBe(400);
    expect(warnings).toEqual([
      {
        provider: "eu",
        reason: "signal_refused",
        message: "kc-push: a security event token was refused (signature)",
      },
    ]);
    receiver.start();
    await vi.waitFor(() => expect(polled.length).toBeGreaterThan(0));
    await receiver.stop();
    expect(warnings[1]).toEqual({
      provider: "eu",
      reason: "signal_poll_failed",
      message: "kc-poll: polling for signals failed (provider_unavailable); retrying",
    });
    expect(JSON.stringify(warnings)).not.toContain(forged.split(".")[1]);
    await identity.close();
  });
});
