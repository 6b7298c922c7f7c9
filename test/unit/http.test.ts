import { describe, expect, it } from "vitest";
import { guardedFetch, parseRetryAfter } from "../../src/core/http.js";
import { createRuntime } from "../../src/core/runtime.js";
import { idSwitchErrorOf } from "../support/rejection.js";

const runtimeWith = (fetch: typeof globalThis.fetch, timeoutMs = 200) =>
  createRuntime({ fetch, timeoutMs, now: () => Date.parse("2026-11-28T12:00:00Z") });

describe("guardedFetch", () => {
  it("turns a refused connection into a retryable provider_unavailable", async () => {
    const fetch = guardedFetch(
      runtimeWith(async () => Promise.reject(new TypeError("fetch failed"))),
      "eu",
    );
    const err = await idSwitchErrorOf(fetch("https://idp.example/token?code=secret-code"));
    expect(err).toMatchObject({
      code: "provider_unavailable",
      provider: "eu",
      reason: "network",
      retryable: true,
    });
    expect(err.message).not.toContain("secret-code");
  });

  it("gives up on a hanging provider within its time budget", async () => {
    const hang: typeof globalThis.fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
      );
    const started = performance.now();
    const err = await idSwitchErrorOf(guardedFetch(runtimeWith(hang, 100), "eu")("https://idp.example/x"));
    expect(err.reason).toBe("timeout");
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("treats 5xx and 429 as outages, keeping Retry-After", async () => {
    const answer =
      (status: number, headers: HeadersInit = {}) =>
      async () =>
        new Response("busy", { status, headers });
    const e503 = await idSwitchErrorOf(guardedFetch(runtimeWith(answer(503)), "eu")("https://idp.example/x"));
    expect(e503).toMatchObject({ code: "provider_unavailable", reason: "server_error" });
    const e429 = await idSwitchErrorOf(
      guardedFetch(runtimeWith(answer(429, { "retry-after": "7" })), "eu")("https://idp.example/x"),
    );
    expect(e429).toMatchObject({ code: "provider_unavailable", reason: "rate_limited", retryAfter: 7 });
  });

  it("passes 4xx answers through: a denial is the provider deciding, not an outage", async () => {
    const fetch = guardedFetch(
      runtimeWith(async () => Response.json({ error: "invalid_grant" }, { status: 400 })),
      "eu",
    );
    expect((await fetch("https://idp.example/x")).status).toBe(400);
  });

  it("lets a caller's own cancellation through unchanged", async () => {
    const controller = new AbortController();
    const hang: typeof globalThis.fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener("abort", () => reject(new Error("aborted by caller"))),
      );
    const pending = guardedFetch(runtimeWith(hang, 10_000), "eu")("https://idp.example/x", {
      signal: controller.signal,
    });
    controller.abort();
    await expect(pending).rejects.toThrow("aborted by caller");
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    const now = Date.parse("2026-11-28T12:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("Sat, 28 Nov 2026 12:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
