// Poll delivery (RFC 8936) against a transmitter stub: acknowledgements and errors ride on the next
// poll, an outage leaves a SET for redelivery, failed polls back off, and stop() ends the loop.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryStateStore } from "../../../src/core/memory-state-store.js";
import { createSignalReceiver, type SignalEvent, type SignalReceiver } from "../../../src/signals/index.js";
import {
  AUDIENCE,
  type FakeTransmitter,
  fakeTransmitter,
  ISSUER,
  RecordingRevoker,
} from "../../support/ssf-fakes.js";

const POLL_PATH = "/realms/acme/ssf/transmitter/receivers/ssf-poller/streams/stream-1/poll";
const POLL_URL = `https://auth.example.eu${POLL_PATH}`;

let transmitter: FakeTransmitter;
let revoker: RecordingRevoker;
let signals: SignalEvent[];
let receiver: SignalReceiver | undefined;
let pollErrors: Array<{ transmitter: string; error: unknown }>;

/** The poll requests the stub received, and a way to wait for the n-th. */
function pollStub(answers: Array<(body: Record<string, unknown>) => Response | Promise<Response>>) {
  const bodies: Array<Record<string, unknown>> = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  transmitter.routes.set(POLL_PATH, async (request) => {
    const body = (await request.json()) as Record<string, unknown>;
    bodies.push({ ...body, authorization: request.headers.get("authorization") });
    for (const w of waiters.filter((w) => bodies.length >= w.n)) w.resolve();
    const next = answers[bodies.length - 1] ?? (() => Response.json({ sets: {}, moreAvailable: false }));
    return next(body);
  });
  return {
    bodies,
    received: (n: number) =>
      new Promise<void>((resolve) => {
        if (bodies.length >= n) resolve();
        else waiters.push({ n, resolve });
      }),
  };
}

function start(): SignalReceiver {
  receiver = createSignalReceiver(
    {
      transmitters: [
        {
          provider: "eu",
          issuer: ISSUER,
          audience: AUDIENCE,
          delivery: { method: "poll", endpointUrl: POLL_URL, intervalMs: 100, maxBackoffMs: 400 },
        },
      ],
    },
    {
      revoker,
      state: new MemoryStateStore(),
      fetch: transmitter.fetch,
      onSignal: (e) => signals.push(e),
      onPollError: (transmitter, error) => pollErrors.push({ transmitter, error }),
      streamToken: async () => "poll-token",
    },
  );
  receiver.start();
  return receiver;
}

beforeEach(async () => {
  transmitter = await fakeTransmitter();
  revoker = new RecordingRevoker();
  signals = [];
  pollErrors = [];
});

afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
});

describe("poll delivery", () => {
  it("acknowledges accepted and ignored SETs and reports refused ones on the next poll", async () => {
    const good = await transmitter.sign({ jti: "good" });
    const foreign = await transmitter.sign({ jti: "foreign", iss: "https://evil.example" });
    const unknown = await transmitter.sign({ jti: "unknown", events: { "https://example.com/x": {} } });
    const stub = pollStub([() => Response.json({ sets: { good, foreign, unknown }, moreAvailable: false })]);
    start();
    await stub.received(2);
    expect(stub.bodies[0]).toEqual({
      maxEvents: 50,
      returnImmediately: true,
      authorization: "Bearer poll-token",
    });
    expect(stub.bodies[1]).toMatchObject({
      ack: ["good", "unknown"],
      setErrs: { foreign: { err: "invalid_issuer", description: expect.any(String) } },
    });
    expect(revoker.calls).toEqual([
      { kind: "end", target: { provider: "eu", subject: "ada" }, source: "credential_change" },
    ]);
    expect(signals.map((s) => [s.delivery, s.outcome])).toEqual([
      ["poll", "received"],
      ["poll", "refused"],
      ["poll", "ignored"],
    ]);
  });

  it("leaves a SET unacknowledged when the session index fails, and acknowledges it when redelivered", async () => {
    const set = await transmitter.sign({ jti: "retry-me" });
    const stub = pollStub([
      () => Response.json({ sets: { "retry-me": set } }),
      () => Response.json({ sets: { "retry-me": set } }),
    ]);
    revoker.failNext = true;
    start();
    await stub.received(3);
    expect(stub.bodies[1]?.ack).toBeUndefined();
    expect(stub.bodies[1]?.setErrs).toBeUndefined();
    expect(stub.bodies[2]?.ack).toEqual(["retry-me"]);
    expect(revoker.calls).toHaveLength(1);
  });

  it("acknowledges a SET delivered again after its acknowledgement was lost, without acting twice", async () => {
    const set = await transmitter.sign({ jti: "twice" });
    const stub = pollStub([
      () => Response.json({ sets: { twice: set } }),
      () => Response.json({ sets: { twice: set } }),
    ]);
    start();
    await stub.received(3);
    expect(stub.bodies[1]?.ack).toEqual(["twice"]);
    expect(stub.bodies[2]?.ack).toEqual(["twice"]);
    expect(revoker.calls).toHaveLength(1);
  });

  it("carries on after failed polls", async () => {
    const set = await transmitter.sign({ jti: "after-outage" });
    const stub = pollStub([
      () => new Response("down", { status: 503 }),
      () => Response.json({ oops: true }),
      () => Response.json({ sets: { "after-outage": set } }),
    ]);
    start();
    await stub.received(4);
    expect(stub.bodies[3]?.ack).toEqual(["after-outage"]);
    expect(pollErrors).toMatchObject([
      { transmitter: "eu", error: { code: "provider_unavailable", reason: "server_error" } },
      { transmitter: "eu", error: { code: "provider_unavailable", reason: "malformed_response" } },
    ]);
    expect(revoker.calls).toHaveLength(1);
  });

  it("stop() ends the loop while a poll is held open by the transmitter", async () => {
    let holding: (() => void) | undefined;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    transmitter.routes.set(POLL_PATH, (request) => {
      holding?.();
      return new Promise<Response>((_, reject) => {
        request.signal.addEventListener("abort", () => reject(request.signal.reason));
      });
    });
    start();
    await held;
    await receiver?.stop();
    receiver = undefined;
  });
});
