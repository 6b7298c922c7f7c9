// The push route (RFC 8935) and SET verification (RFC 8417), with SETs signed here: every refusal
// answers with the RFC's error JSON and leaves the session index untouched.
import { beforeEach, describe, expect, it } from "vitest";
import { MemoryStateStore } from "../../../src/core/memory-state-store.js";
import { createSignalReceiver, type SignalEvent, type SignalReceiver } from "../../../src/signals/index.js";
import {
  AUDIENCE,
  type FakeTransmitter,
  fakeTransmitter,
  hmacWithPublicKey,
  ISSUER,
  PUSH_SECRET,
  pushRequest,
  RecordingRevoker,
  unsignedSet,
} from "../../support/ssf-fakes.js";

const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);
const now = () => NOW;
const SESSION_REVOKED = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
const CREDENTIAL_CHANGE = "https://schemas.openid.net/secevent/caep/event-type/credential-change";
const RISC = "https://schemas.openid.net/secevent/risc/event-type/";

let transmitter: FakeTransmitter;
let revoker: RecordingRevoker;
let signals: SignalEvent[];
let receiver: SignalReceiver;

function build(overrides: Record<string, unknown> = {}): SignalReceiver {
  return createSignalReceiver(
    {
      transmitters: [
        {
          provider: "eu",
          issuer: ISSUER,
          audience: AUDIENCE,
          delivery: { method: "push", authorization: PUSH_SECRET },
          ...overrides,
        },
      ],
    },
    {
      revoker,
      state: new MemoryStateStore({ now }),
      fetch: transmitter.fetch,
      now,
      onSignal: (e) => signals.push(e),
    },
  );
}

beforeEach(async () => {
  transmitter = await fakeTransmitter(now);
  revoker = new RecordingRevoker();
  signals = [];
  receiver = build();
});

async function answer(response: Response): Promise<{ status: number; body: unknown }> {
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}

describe("accepted SETs", () => {
  it("answers 202 with no body and ends the person's sessions on credential-change", async () => {
    const token = await transmitter.sign();
    const { status, body } = await answer(await receiver.push(pushRequest(token)));
    expect({ status, body }).toEqual({ status: 202, body: undefined });
    expect(revoker.calls).toEqual([
      { kind: "end", target: { provider: "eu", subject: "ada" }, source: "credential_change" },
    ]);
    expect(signals).toEqual([
      {
        transmitter: "eu",
        provider: "eu",
        delivery: "push",
        outcome: "received",
        eventType: CREDENTIAL_CHANGE,
        ended: 1,
      },
    ]);
  });

  it("ends one session when session-revoked names it (complex subject)", async () => {
    const token = await transmitter.sign({
      sub_id: {
        format: "complex",
        user: { format: "iss_sub", iss: ISSUER, sub: "ada" },
        session: { format: "opaque", id: "sid-1" },
      },
      events: { [SESSION_REVOKED]: { initiating_entity: "user" } },
    });
    expect((await receiver.push(pushRequest(token))).status).toBe(202);
    expect(revoker.calls).toEqual([
      { kind: "end", target: { provider: "eu", sid: "sid-1", subject: "ada" }, source: "session_revoked" },
    ]);
  });

  it("ends every session of the person for Keycloak's session id ALL and for no session", async () => {
    const all = await transmitter.sign({
      sub_id: {
        format: "complex",
        user: { format: "iss_sub", iss: ISSUER, sub: "ada" },
        session: { format: "opaque", id: "ALL" },
      },
      events: { [SESSION_REVOKED]: {} },
    });
    const none = await transmitter.sign({ events: { [SESSION_REVOKED]: {} } });
    expect((await receiver.push(pushRequest(all))).status).toBe(202);
    expect((await receiver.push(pushRequest(none))).status).toBe(202);
    const target = { provider: "eu", subject: "ada" };
    expect(revoker.calls).toEqual([
      { kind: "end", target, source: "session_revoked" },
      { kind: "end", target, source: "session_revoked" },
    ]);
  });

  it("passes on when the transmitter says it happened: CAEP event_timestamp, else iat, never after iat", async () => {
    const iat = Math.floor(NOW / 1000);
    const stamped = await transmitter.sign({ events: { [SESSION_REVOKED]: { event_timestamp: iat - 30 } } });
    const plain = await transmitter.sign({ events: { [SESSION_REVOKED]: {} } });
    const future = await transmitter.sign({ events: { [SESSION_REVOKED]: { event_timestamp: iat + 3600 } } });
    for (const token of [stamped, plain, future]) {
      expect((await receiver.push(pushRequest(token))).status).toBe(202);
    }
    expect(revoker.issuedAt).toEqual([iat - 30, iat, iat]);
  });

  it.each([
    ["account-credential-change-required", { kind: "end", source: "credential_change" }],
    ["sessions-revoked", { kind: "end", source: "sessions_revoked" }],
    ["account-disabled", { kind: "decided", status: "disabled", source: "account_disabled" }],
    ["account-purged", { kind: "decided", status: "deleted", source: "account_purged" }],
  ])("acts on RISC %s", async (name, expected) => {
    const token = await transmitter.sign({ events: { [`${RISC}${name}`]: {} } });
    expect((await receiver.push(pushRequest(token))).status).toBe(202);
    expect(revoker.calls).toEqual([{ ...expected, target: { provider: "eu", subject: "ada" } }]);
  });

  it("takes the subject from a RISC event's own subject member", async () => {
    const token = await transmitter.sign({
      sub_id: undefined,
      events: { [`${RISC}account-disabled`]: { subject: { format: "iss_sub", iss: ISSUER, sub: "bob" } } },
    });
    expect((await receiver.push(pushRequest(token))).status).toBe(202);
    expect(revoker.calls).toEqual([
      {
        kind: "decided",
        status: "disabled",
        source: "account_disabled",
        target: { provider: "eu", subject: "bob" },
      },
    ]);
  });

  it("acknowledges and ignores an unknown event", async () => {
    const token = await transmitter.sign({ events: { "https://example.com/event/new-phone": { x: 1 } } });
    expect((await receiver.push(pushRequest(token))).status).toBe(202);
    expect(revoker.calls).toEqual([]);
    expect(signals).toMatchObject([{ outcome: "ignored", reason: "unknown_event" }]);
  });

  it.each([
    ["an email subject", { format: "email", email: "ada@example.eu" }, "email_subject"],
    [
      "a complex subject with an email user",
      { format: "complex", user: { format: "email", email: "ada@example.eu" } },
      "email_subject",
    ],
    [
      "another issuer's subject",
      { format: "iss_sub", iss: "https://elsewhere.example", sub: "ada" },
      "foreign_issuer",
    ],
    ["a phone number", { format: "phone_number", phone_number: "+4912345" }, "unsupported_format"],
  ])("acknowledges and ignores %s", async (_, subject, reason) => {
    const token = await transmitter.sign({ sub_id: subject });
    expect((await receiver.push(pushRequest(token))).status).toBe(202);
    expect(revoker.calls).toEqual([]);
    expect(signals).toMatchObject([{ outcome: "ignored", reason, eventType: CREDENTIAL_CHANGE }]);
  });

  it("reports a verification event's state and changes nothing", async () => {
    const token = await transmitter.sign({
      sub_id: { format: "opaque", id: "stream-1" },
      events: { "https://schemas.openid.net/secevent/ssf/event-type/verification": { state: "st-1" } },
    });
    expect((await receiver.push(pushRequest(token))).status).toBe(202);
    expect(revoker.calls).toEqual([]);
    expect(signals).toMatchObject([{ outcome: "received", verificationState: "st-1" }]);
  });

  it("accepts a SET with no typ and one typed application/secevent+jwt", async () => {
    const untyped = await transmitter.sign({}, { typ: undefined });
    const long = await transmitter.sign({}, { typ: "application/secevent+jwt" });
    expect((await receiver.push(pushRequest(untyped))).status).toBe(202);
    expect((await receiver.push(pushRequest(long))).status).toBe(202);
    expect(revoker.calls).toHaveLength(2);
  });
});

describe("refused SETs: RFC 8935 error JSON, nothing ended", () => {
  const refusals: Array<[string, (t: FakeTransmitter) => Promise<string>, string]> = [
    ["a wrong iss", (t) => t.sign({ iss: "https://evil.example/realms/acme" }), "invalid_issuer"],
    ["a wrong aud", (t) => t.sign({ aud: "someone-else" }), "invalid_audience"],
    ["a bad signature", (t) => t.signWithStrangerKey(), "invalid_key"],
    [
      "alg none",
      async () => unsignedSet({ iss: ISSUER, aud: AUDIENCE, iat: NOW / 1000, jti: "j", events: {} }),
      "invalid_key",
    ],
    [
      "HS256 keyed with the public key",
      (t) =>
        hmacWithPublicKey(
          {
            iss: ISSUER,
            aud: AUDIENCE,
            iat: NOW / 1000,
            jti: "j",
            sub_id: { format: "iss_sub", iss: ISSUER, sub: "ada" },
            events: { [CREDENTIAL_CHANGE]: {} },
          },
          t.publicJwk,
        ),
      "invalid_key",
    ],
    ["typ JWT", (t) => t.sign({}, { typ: "JWT" }), "invalid_request"],
    ["typ logout+jwt (a logout token)", (t) => t.sign({}, { typ: "logout+jwt" }), "invalid_request"],
    ["iat in the future", (t) => t.sign({ iat: NOW / 1000 + 3600 }), "invalid_request"],
    [
      "iat older than the replay window",
      (t) => t.sign({ iat: NOW / 1000 - 3 * 24 * 3600 }),
      "invalid_request",
    ],
    ["no jti", (t) => t.sign({ jti: undefined }), "invalid_request"],
    ["events not an object", (t) => t.sign({ events: ["x"] }), "invalid_request"],
    [
      "an event payload not an object",
      (t) => t.sign({ events: { [CREDENTIAL_CHANGE]: "x" } }),
      "invalid_request",
    ],
    ["an expired exp", (t) => t.sign({ exp: NOW / 1000 - 3600 }), "invalid_request"],
    ["not a JWS", async () => "not-a-token", "invalid_request"],
  ];

  it.each(refusals)("refuses %s", async (_, make, err) => {
    const token = await make(transmitter);
    const { status, body } = await answer(await receiver.push(pushRequest(token)));
    expect(status).toBe(400);
    expect(body).toEqual({ err, description: expect.any(String) });
    expect(JSON.stringify(body)).not.toContain(token);
    expect(revoker.calls).toEqual([]);
    expect(signals).toMatchObject([{ outcome: "refused" }]);
    expect(JSON.stringify(signals)).not.toContain(token);
  });

  it("refuses a replayed SET (same jti) after acting on it once", async () => {
    const token = await transmitter.sign({ jti: "once" });
    expect((await receiver.push(pushRequest(token))).status).toBe(202);
    const again = await transmitter.sign({ jti: "once" }); // the same jti, freshly signed
    const { status, body } = await answer(await receiver.push(pushRequest(again)));
    expect({ status, body }).toEqual({
      status: 400,
      body: { err: "invalid_request", description: expect.any(String) },
    });
    expect(revoker.calls).toHaveLength(1);
    expect(signals.at(-1)).toMatchObject({ outcome: "refused", reason: "replay" });
  });

  it("fetches no key for a SET of another issuer", async () => {
    await receiver.push(pushRequest(await transmitter.sign({ iss: "https://evil.example" })));
    expect(transmitter.requests).toEqual([]);
  });
});

describe("the HTTP exchange", () => {
  it("answers 401 authentication_failed without or with a wrong Authorization header", async () => {
    const token = await transmitter.sign();
    for (const authorization of [undefined, "Bearer wrong", `${PUSH_SECRET}x`]) {
      const request = pushRequest(token, {});
      const headers = new Headers(request.headers);
      if (authorization === undefined) headers.delete("authorization");
      else headers.set("authorization", authorization);
      const response = await receiver.push(
        new Request(request.url, { method: "POST", headers, body: token }),
      );
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
      const { status, body } = await answer(response);
      expect({ status, body }).toEqual({
        status: 401,
        body: { err: "authentication_failed", description: expect.any(String) },
      });
    }
    expect(revoker.calls).toEqual([]);
  });

  it("answers 400 invalid_request for another content type or an oversized body", async () => {
    const token = await transmitter.sign();
    const wrongType = await answer(
      await receiver.push(pushRequest(token, { "content-type": "application/jwt" })),
    );
    const huge = await answer(await receiver.push(pushRequest("a".repeat(20_000))));
    expect(wrongType).toMatchObject({ status: 400, body: { err: "invalid_request" } });
    expect(huge).toMatchObject({ status: 400, body: { err: "invalid_request" } });
    expect(revoker.calls).toEqual([]);
  });

  it("answers 405 to anything but POST", async () => {
    const response = await receiver.push(new Request("https://app.example.eu/auth/signals"));
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  it("answers 503 when the session index fails, and accepts the transmitter's retry", async () => {
    const token = await transmitter.sign();
    revoker.failNext = true;
    expect((await receiver.push(pushRequest(token))).status).toBe(503);
    expect((await receiver.push(pushRequest(token))).status).toBe(202);
    expect(revoker.calls).toHaveLength(1);
  });

  it("learns the audience from the stream when none is configured", async () => {
    const streams: Request[] = [];
    transmitter.routes.set("/realms/acme/ssf/transmitter/streams", (request) => {
      streams.push(request);
      return Response.json([
        { stream_id: "stream-1", aud: AUDIENCE, delivery: { method: "urn:ietf:rfc:8935" } },
      ]);
    });
    const withToken = createSignalReceiver(
      {
        transmitters: [
          { provider: "eu", issuer: ISSUER, delivery: { method: "push", authorization: PUSH_SECRET } },
        ],
      },
      {
        revoker,
        state: new MemoryStateStore({ now }),
        fetch: transmitter.fetch,
        now,
        streamToken: async ({ provider }) => `token-for-${provider}`,
      },
    );
    expect((await withToken.push(pushRequest(await transmitter.sign()))).status).toBe(202);
    expect((await withToken.push(pushRequest(await transmitter.sign({ aud: "other" })))).status).toBe(400);
    expect(streams).toHaveLength(1);
    expect(streams[0]?.headers.get("authorization")).toBe("Bearer token-for-eu");
  });
});
