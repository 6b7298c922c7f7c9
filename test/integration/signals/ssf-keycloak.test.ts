// The Shared Signals receiver against the real Keycloak 26.7.3 transmitter (feature `ssf`): a push
// stream to a loopback server and a poll stream, the verification round trip, and the two events
// Keycloak emits — an admin signing Ada out (CAEP session-revoked, session id "ALL") and an admin
// resetting her password (CAEP credential-change) — each asking the session index to end Ada's
// sessions, never Bob's. Disabling Ada sends nothing (observed: checked against a later event).
import * as jose from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MemoryStateStore } from "../../../src/core/memory-state-store.js";
import { createSignalReceiver, type SignalEvent, type SignalReceiver } from "../../../src/signals/index.js";
import { RecordingRevoker } from "../../support/ssf-fakes.js";
import { loopbackPushServer, type ReceivedPush, SsfRealm, waitFor } from "../../support/ssf-keycloak.js";

const SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
const CREDENTIAL_CHANGE = "https://schemas.openid.net/secevent/caep/event-type/credential-change";
const VERIFICATION = "https://schemas.openid.net/secevent/ssf/event-type/verification";
const PUSH_AUTHORIZATION = `Bearer push-${crypto.randomUUID()}`;

const realm = new SsfRealm(inject("keycloakUrl"), inject("keycloakAdmin"));
const revoker = new RecordingRevoker();
const signals: SignalEvent[] = [];
let receiver: SignalReceiver;
let server: Awaited<ReturnType<typeof loopbackPushServer>>;
let ada: string;
let bob: string;

const received = (transmitter: string, eventType: string, after = 0) =>
  signals.slice(after).filter((s) => s.transmitter === transmitter && s.eventType === eventType);

beforeAll(async () => {
  await realm.create();
  server = await loopbackPushServer((request) => receiver.push(request));
  await realm.createReceiverClient("ssf-push", "ssf-push-secret", { "ssf.validPushUrls": `${server.url}/*` });
  await realm.createReceiverClient("ssf-poll", "ssf-poll-secret", { "ssf.defaultSubjects": "ALL" });
  await realm.createClient("app", "app-secret", { directAccessGrantsEnabled: true });
  ada = await realm.createUser("ada", "ada-password-1");
  bob = await realm.createUser("bob", "bob-password-1");
  receiver = createSignalReceiver(
    {
      transmitters: [
        {
          id: "kc-push",
          provider: "eu",
          issuer: realm.issuer,
          delivery: {
            method: "push",
            authorization: PUSH_AUTHORIZATION,
            endpointUrl: `${server.url}/auth/signals`,
          },
          clientCredentials: { clientId: "ssf-push", clientSecret: "ssf-push-secret" },
          description: "idswitch push test",
        },
        {
          id: "kc-poll",
          provider: "eu",
          issuer: realm.issuer,
          delivery: { method: "poll", intervalMs: 500 },
          clientCredentials: { clientId: "ssf-poll", clientSecret: "ssf-poll-secret" },
        },
      ],
    },
    { revoker, state: new MemoryStateStore(), onSignal: (e) => signals.push(e) },
  );
});

afterAll(async () => {
  await receiver?.stop();
  await server?.close();
  await realm.delete().catch(() => {});
});

describe("Keycloak's SSF transmitter → idswitch receiver", () => {
  it("creates a push stream and a poll stream, one per receiver client", async () => {
    const push = await receiver.streams("kc-push").create();
    expect(push).toMatchObject({
      iss: realm.issuer,
      aud: [`ssf-push/${push.stream_id}`],
      delivery: { method: "urn:ietf:rfc:8935", endpoint_url: `${server.url}/auth/signals` },
    });
    expect(push.events_delivered).toEqual(expect.arrayContaining([SESSION_REVOKED, CREDENTIAL_CHANGE]));
    const poll = await receiver.streams("kc-poll").create();
    expect(poll.delivery).toMatchObject({
      method: "urn:ietf:rfc:8936",
      endpoint_url: expect.stringContaining("/poll"),
    });
    expect(await receiver.streams("kc-push").status()).toMatchObject({ status: "enabled" });
    receiver.start();
  });

  it("round-trips a verification event on the push stream", async () => {
    const state = await receiver.streams("kc-push").verify();
    await waitFor(
      () => received("kc-push", VERIFICATION).some((s) => s.verificationState === state),
      "verification",
    );
    const push = server.received.at(-1) as ReceivedPush;
    expect(push.headers).toEqual({
      authorization: PUSH_AUTHORIZATION,
      "content-type": "application/secevent+jwt",
    });
    expect(push.status).toBe(202);
    expect(jose.decodeProtectedHeader(push.body)).toMatchObject({ alg: "RS256", typ: "secevent+jwt" });
    expect(revoker.calls).toEqual([]);
  });

  it("subscribes Ada on the push stream (the transmitter's default subjects are NONE)", async () => {
    await receiver.streams("kc-push").addSubject({ format: "iss_sub", iss: realm.issuer, sub: ada });
  });

  it("ends Ada's sessions when an admin signs her out: session-revoked by push and by poll", async () => {
    await realm.signIn("app", "app-secret", "ada", "ada-password-1");
    await realm.signIn("app", "app-secret", "bob", "bob-password-1");
    const before = revoker.calls.length;
    await realm.admin("POST", realm.path(`/users/${ada}/logout`));
    await waitFor(
      () =>
        received("kc-push", SESSION_REVOKED).length > 0 && received("kc-poll", SESSION_REVOKED).length > 0,
      "session-revoked on both streams",
    );
    const calls = revoker.calls.slice(before);
    expect(calls).toEqual([
      { kind: "end", target: { provider: "eu", subject: ada }, source: "session_revoked" },
      { kind: "end", target: { provider: "eu", subject: ada }, source: "session_revoked" },
    ]);
    expect(JSON.stringify(revoker.calls)).not.toContain(bob);
  });

  it("ends Ada's sessions when an admin resets her password: credential-change by push and by poll", async () => {
    const before = revoker.calls.length;
    await realm.admin("PUT", realm.path(`/users/${ada}/reset-password`), {
      type: "password",
      value: "ada-password-2",
      temporary: false,
    });
    await waitFor(
      () =>
        received("kc-push", CREDENTIAL_CHANGE).length > 0 &&
        received("kc-poll", CREDENTIAL_CHANGE).length > 0,
      "credential-change on both streams",
    );
    expect(revoker.calls.slice(before)).toEqual([
      { kind: "end", target: { provider: "eu", subject: ada }, source: "credential_change" },
      { kind: "end", target: { provider: "eu", subject: ada }, source: "credential_change" },
    ]);
    const last = server.received.at(-1) as ReceivedPush;
    expect(jose.decodeJwt(last.body)).toMatchObject({
      iss: realm.issuer,
      sub_id: { format: "iss_sub", iss: realm.issuer, sub: ada },
      events: { [CREDENTIAL_CHANGE]: { credential_type: "password", change_type: "update" } },
    });
  });

  it("hears nothing when Ada is disabled (checked against Bob's later sign-out on the poll stream)", async () => {
    const before = signals.length;
    const calls = revoker.calls.length;
    await realm.admin("PUT", realm.path(`/users/${ada}`), { enabled: false });
    await realm.admin("POST", realm.path(`/users/${bob}/logout`));
    await waitFor(() => received("kc-poll", SESSION_REVOKED, before).length > 0, "Bob's session-revoked");
    expect(signals.slice(before).map((s) => [s.transmitter, s.eventType])).toEqual([
      ["kc-poll", SESSION_REVOKED],
    ]);
    expect(revoker.calls.slice(calls)).toEqual([
      { kind: "end", target: { provider: "eu", subject: bob }, source: "session_revoked" },
    ]);
    expect(revoker.calls.filter((c) => c.kind === "decided")).toEqual([]);
  });

  it("deletes both streams", async () => {
    await receiver.stop();
    await receiver.streams("kc-push").delete();
    await receiver.streams("kc-poll").delete();
    expect(await receiver.streams("kc-push").get()).toBeUndefined();
  });
});
