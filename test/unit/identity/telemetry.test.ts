/**
 * Spans and counters through @opentelemetry/api, with a recording tracer and
 * meter registered the way an OpenTelemetry SDK registers itself.
 */

import { readFile } from "node:fs/promises";
import { type MeterProvider, metrics, type TracerProvider, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBus } from "../../../src/core/events.js";
import { INSTRUMENTATION_SCOPE, openTelemetry } from "../../../src/identity/telemetry.js";
import { createIdentity, keycloak } from "../../../src/index.js";

interface RecordedSpan {
  name: string;
  attributes: Record<string, unknown>;
  status?: { code: number };
  ended: boolean;
}

const spans: RecordedSpan[] = [];
const counted: Record<string, unknown>[] = [];
const scopes: unknown[][] = [];
const counters: unknown[][] = [];

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
    createCounter: (...args: unknown[]) => {
      counters.push(args);
      return { add: (_value: number, attributes: Record<string, unknown>) => counted.push(attributes) };
    },
  };
  trace.setGlobalTracerProvider({
    getTracer: (...args: unknown[]) => {
      scopes.push(["tracer", ...args]);
      return tracer;
    },
  } as unknown as TracerProvider);
  metrics.setGlobalMeterProvider({
    getMeter: (...args: unknown[]) => {
      scopes.push(["meter", ...args]);
      return meter;
    },
  } as unknown as MeterProvider);
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
        // error.type: the stable semantic convention, with our closed code as its value.
        attributes: { "idswitch.operation": "clientCredentials", "error.type": "provider_unavailable" },
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

  it("names the instrumentation scope with the package version, and gives the counter its unit", async () => {
    const { version } = JSON.parse(await readFile(new URL("../../../package.json", import.meta.url), "utf8"));
    expect(INSTRUMENTATION_SCOPE).toEqual({ name: "idswitch", version });
    expect(scopes.map((args) => args.slice(0, 3))).toEqual(
      expect.arrayContaining([
        ["tracer", "idswitch", version],
        ["meter", "idswitch", version],
      ]),
    );
    expect(counters).toContainEqual(["idswitch.decisions", expect.objectContaining({ unit: "{decision}" })]);
  });

  it("a successful operation leaves the status unset; an attribute without a value is left out", async () => {
    spans.length = 0;
    counted.length = 0;
    const bus = new EventBus();
    const telemetry = openTelemetry(await import("@opentelemetry/api"), bus);
    await telemetry.span("ready", { "idswitch.operation": "ready" }, async () => "done");
    expect(spans).toEqual([
      { name: "idswitch.ready", attributes: { "idswitch.operation": "ready" }, ended: true },
    ]);
    await expect(telemetry.span("refresh", {}, () => Promise.reject(new TypeError("boom")))).rejects.toThrow(
      "boom",
    );
    await expect(telemetry.span("refresh", {}, () => Promise.reject("text"))).rejects.toBe("text");
    expect(spans.slice(1).map((s) => s.attributes["error.type"])).toEqual(["TypeError", "_OTHER"]);
    bus.emit("provider-up", { provider: "eu" });
    // No provider and no code: before, both were recorded as "".
    bus.emit("warning", { provider: undefined, reason: "signal_refused", message: "refused" });
    expect(counted).toEqual([
      { "idswitch.event": "provider-up", "idswitch.provider": "eu" },
      { "idswitch.event": "warning" },
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
