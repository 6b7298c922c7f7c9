/**
 * Spans and counters through @opentelemetry/api, with a recording tracer and
 * meter registered the way an OpenTelemetry SDK registers itself.
 */
import { type MeterProvider, metrics, type TracerProvider, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, keycloak } from "../../../src/index.js";

interface RecordedSpan {
  name: string;
  attributes: Record<string, unknown>;
  status?: { code: number };
  ended: boolean;
}

const spans: RecordedSpan[] = [];
const counted: Record<string, unknown>[] = [];

beforeAll(() => {
  const tracer = {
    startActiveSpan(
      name: string,
      options: { attributes?: Record<string, unknown> },
      fn: (span: unknown) => unknown,
    ) {
      const span: RecordedSpan = { name, attributes: { ...options.attributes }, ended: false };
      spans.push(span);
      return fn({
        setStatus: (status: { code: number }) => {
          span.status = status;
        },
        setAttribute: (key: string, value: unknown) => {
          span.attributes[key] = value;
        },
        end: () => {
          span.ended = true;
        },
      });
    },
  };
  const meter = {
    createCounter: () => ({
      add: (_value: number, attributes: Record<string, unknown>) => counted.push(attributes),
    }),
  };
  trace.setGlobalTracerProvider({ getTracer: () => tracer } as unknown as TracerProvider);
  metrics.setGlobalMeterProvider({ getMeter: () => meter } as unknown as MeterProvider);
});

afterAll(() => {
  trace.disable();
  metrics.disable();
});

describe("OpenTelemetry", () => {
  it("a span per operation with its outcome, and a counter per routing decision", async () => {
    const identity = createIdentity({
      providers: [
        keycloak({
          id: "eu",
          issuer: "https://auth.example.eu/realms/acme",
          clientId: "daemon",
          clientSecret: "s",
          runtime: { fetch: () => Promise.reject(new TypeError("fetch failed: ECONNREFUSED")) },
        }),
      ],
      routing: { breaker: { consecutiveFailures: 1 } },
    });
    await identity.ready();
    await expect(identity.clientCredentials()).rejects.toMatchObject({ code: "provider_unavailable" });
    expect(spans).toEqual([
      {
        name: "idswitch.clientCredentials",
        attributes: { "idswitch.operation": "clientCredentials", "idswitch.error": "provider_unavailable" },
        status: { code: 2 },
        ended: true,
      },
    ]);
    expect(counted).toEqual([
      {
        "idswitch.event": "provider-down",
        "idswitch.provider": "eu",
        "idswitch.code": "provider_unavailable",
      },
    ]);
  });

  it("telemetry: false records nothing", async () => {
    spans.length = 0;
    const identity = createIdentity({
      providers: [keycloak({ id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId: "daemon" })],
      telemetry: false,
    });
    await identity.ready();
    await expect(identity.verifyAccessToken("not-a-token", { audience: "api" })).rejects.toMatchObject({
      code: "token_invalid",
    });
    expect(spans).toEqual([]);
  });
});
