// The receiver's options (zod, every problem with its path), the transmitter metadata (both
// well-known forms, exact issuer) and stream management (the request the app's settings make,
// authorised with the receiver client's own client credentials token).
import { describe, expect, it } from "vitest";
import { IdSwitchError } from "../../../src/core/errors.js";
import { MemoryStateStore } from "../../../src/core/memory-state-store.js";
import { createSignalReceiver, parseSignalsOptions } from "../../../src/signals/index.js";
import { fetchTransmitterMetadata, metadataUrls } from "../../../src/signals/ssf/metadata.js";
import { fakeTransmitter, ISSUER, PUSH_SECRET, RecordingRevoker } from "../../support/ssf-fakes.js";

function configError(input: unknown): IdSwitchError {
  try {
    parseSignalsOptions(input);
  } catch (err) {
    if (err instanceof IdSwitchError) return err;
    throw err;
  }
  throw new Error("accepted");
}

describe("options", () => {
  it("names each problem by its path, never its value", () => {
    const err = configError({
      transmitters: [
        {
          provider: "eu",
          issuer: "http://auth.example.eu/realms/acme",
          delivery: { method: "push", authorization: "short" },
        },
        { provider: "eu", issuer: ISSUER, delivery: { method: "poll" }, algorithms: ["HS256"] },
      ],
    });
    expect(err.code).toBe("config_invalid");
    expect(err.issues?.map((i) => i.path)).toEqual([
      "signals.transmitters[0].issuer",
      "signals.transmitters[0].delivery.authorization",
      "signals.transmitters[1].algorithms[0]",
    ]);
    expect(err.message).not.toContain("short");
  });

  it("refuses two transmitters with one id or one push secret", () => {
    const push = { method: "push", authorization: PUSH_SECRET };
    const err = configError({
      transmitters: [
        { provider: "eu", issuer: ISSUER, delivery: push },
        { provider: "eu", issuer: ISSUER, delivery: push },
      ],
    });
    expect(err.issues?.map((i) => i.path)).toEqual([
      "signals.transmitters[1].id",
      "signals.transmitters[1].delivery.authorization",
    ]);
  });

  it("fills in the defaults", () => {
    const options = parseSignalsOptions({
      transmitters: [{ provider: "eu", issuer: ISSUER, delivery: { method: "poll" } }],
    });
    expect(options).toMatchObject({ clockToleranceSeconds: 60, maxAgeSeconds: 172_800 });
    expect(options.transmitters[0]).toMatchObject({
      algorithms: ["RS256"],
      delivery: { method: "poll", intervalMs: 5000, maxEvents: 50, returnImmediately: true },
    });
  });
});

describe("transmitter metadata", () => {
  it("tries the RFC 8414 form first, then the issuer with the suffix", () => {
    expect(metadataUrls(ISSUER)).toEqual([
      "https://auth.example.eu/.well-known/ssf-configuration/realms/acme",
      "https://auth.example.eu/realms/acme/.well-known/ssf-configuration",
    ]);
    expect(metadataUrls("https://ssf.example.com")).toEqual([
      "https://ssf.example.com/.well-known/ssf-configuration",
    ]);
  });

  it("falls back to the suffixed form when the first is not served", async () => {
    const seen: string[] = [];
    const metadata = await fetchTransmitterMetadata(
      async (input) => {
        const url = String(input);
        seen.push(url);
        return url.endsWith("/realms/acme/.well-known/ssf-configuration")
          ? Response.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/certs` })
          : new Response("", { status: 404 });
      },
      "eu",
      ISSUER,
    );
    expect(metadata.jwks_uri).toBe(`${ISSUER}/certs`);
    expect(seen).toHaveLength(2);
  });

  it("refuses a document that names another issuer", async () => {
    const fetch = async () =>
      Response.json({ issuer: "https://evil.example", jwks_uri: "https://evil.example/keys" });
    await expect(fetchTransmitterMetadata(fetch, "eu", ISSUER)).rejects.toMatchObject({
      code: "provider_unavailable",
      reason: "malformed_response",
    });
  });
});

describe("stream management", () => {
  it("creates the stream from the app's settings with the receiver client's own token", async () => {
    const transmitter = await fakeTransmitter();
    const calls: Array<{ path: string; authorization: string | null; body: string }> = [];
    transmitter.routes.set("/realms/acme/.well-known/openid-configuration", () =>
      Response.json({ issuer: ISSUER, token_endpoint: `${ISSUER}/protocol/openid-connect/token` }),
    );
    transmitter.routes.set("/realms/acme/protocol/openid-connect/token", async (request) => {
      calls.push({
        path: "token",
        authorization: request.headers.get("authorization"),
        body: await request.text(),
      });
      return Response.json({ access_token: "receiver-token", expires_in: 300 });
    });
    transmitter.routes.set("/realms/acme/ssf/transmitter/streams", async (request) => {
      calls.push({
        path: "streams",
        authorization: request.headers.get("authorization"),
        body: await request.text(),
      });
      return Response.json({ stream_id: "s-1", aud: ["ssf-receiver/s-1"] }, { status: 201 });
    });
    transmitter.routes.set("/realms/acme/ssf/transmitter/verify", async (request) => {
      calls.push({
        path: "verify",
        authorization: request.headers.get("authorization"),
        body: await request.text(),
      });
      return new Response(null, { status: 204 });
    });
    const receiver = createSignalReceiver(
      {
        transmitters: [
          {
            provider: "eu",
            issuer: ISSUER,
            delivery: {
              method: "push",
              authorization: PUSH_SECRET,
              endpointUrl: "https://app.example.eu/auth/signals",
            },
            clientCredentials: { clientId: "ssf-receiver", clientSecret: "s3cret" },
            eventsRequested: ["https://schemas.openid.net/secevent/caep/event-type/session-revoked"],
          },
        ],
      },
      { revoker: new RecordingRevoker(), state: new MemoryStateStore(), fetch: transmitter.fetch },
    );
    const stream = await receiver.streams("eu").create();
    const state = await receiver.streams("eu").verify("st-1");
    expect(stream.stream_id).toBe("s-1");
    expect(state).toBe("st-1");
    expect(calls.map((c) => c.path)).toEqual(["token", "streams", "verify"]);
    expect(calls[0]).toMatchObject({
      authorization: `Basic ${btoa("ssf-receiver:s3cret")}`,
      body: "grant_type=client_credentials&scope=ssf.read+ssf.manage",
    });
    expect(calls[1]?.authorization).toBe("Bearer receiver-token");
    expect(JSON.parse(calls[1]?.body ?? "")).toEqual({
      delivery: {
        method: "urn:ietf:rfc:8935",
        endpoint_url: "https://app.example.eu/auth/signals",
        authorization_header: PUSH_SECRET,
      },
      events_requested: ["https://schemas.openid.net/secevent/caep/event-type/session-revoked"],
    });
    expect(JSON.parse(calls[2]?.body ?? "")).toEqual({ stream_id: "s-1", state: "st-1" });
  });

  it("reports a transmitter's refusal with its error code, as a setup problem rather than an outage", async () => {
    const transmitter = await fakeTransmitter();
    transmitter.routes.set("/realms/acme/ssf/transmitter/streams", () =>
      Response.json(
        { error: "stream_error", error_description: "Only one stream per receiver is allowed" },
        { status: 409 },
      ),
    );
    const receiver = createSignalReceiver(
      { transmitters: [{ provider: "eu", issuer: ISSUER, delivery: { method: "poll" } }] },
      {
        revoker: new RecordingRevoker(),
        state: new MemoryStateStore(),
        fetch: transmitter.fetch,
        streamToken: async () => "t",
      },
    );
    const err = await receiver
      .streams("eu")
      .create()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "provider_unavailable",
      reason: "unexpected_response",
      retryable: false,
    });
    expect((err as IdSwitchError).providerAnswer).toMatchObject({ status: 409, error: "stream_error" });
  });
});

describe("token sources", () => {
  it("refuses at start a poll transmitter without a token, and a push one that cannot learn its audience", () => {
    const build = () =>
      createSignalReceiver(
        {
          transmitters: [
            { id: "a", provider: "eu", issuer: ISSUER, delivery: { method: "poll" } },
            {
              id: "b",
              provider: "eu",
              issuer: ISSUER,
              delivery: { method: "push", authorization: PUSH_SECRET },
            },
          ],
        },
        { revoker: new RecordingRevoker(), state: new MemoryStateStore() },
      );
    expect(build).toThrow(
      expect.objectContaining({
        code: "config_invalid",
        issues: [
          expect.objectContaining({ path: "signals.transmitters[0].clientCredentials" }),
          expect.objectContaining({ path: "signals.transmitters[1].audience" }),
        ],
      }),
    );
  });
});
