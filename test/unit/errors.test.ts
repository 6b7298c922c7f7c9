import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { redact } from "../../src/core/redact.js";
import { AllProvidersFailedError, IdSwitchError, isIdSwitchError } from "../../src/index.js";

const JWT =
  "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU";

describe("IdSwitchError", () => {
  it("derives retryable from the code: only outages are worth retrying", () => {
    expect(new IdSwitchError("provider_unavailable", "down").retryable).toBe(true);
    expect(new IdSwitchError("account_disabled", "no").retryable).toBe(false);
    expect(new IdSwitchError("invalid_credentials", "no").retryable).toBe(false);
  });

  it("never carries a token in its message, JSON or inspection", () => {
    const err = new IdSwitchError("session_revoked", `refresh failed for ${JWT}`, {
      provider: "eu",
      cause: { status: 400, error: "invalid_grant", description: "Session not active" },
    });
    expect(err.message).not.toContain(JWT);
    expect(JSON.stringify(err)).not.toContain("eyJ");
    expect(inspect(err, { depth: 5 })).not.toContain(JWT);
    // The provider's answer stays reachable for diagnosis, but is not enumerable.
    expect(err.providerAnswer?.description).toBe("Session not active");
    expect(Object.keys(err)).not.toContain("cause");
  });

  it("narrows with isIdSwitchError", () => {
    const err: unknown = new IdSwitchError("account_locked", "locked", { provider: "eu" });
    expect(isIdSwitchError(err, "account_locked", "account_disabled")).toBe(true);
    expect(isIdSwitchError(err, "provider_unavailable")).toBe(false);
    expect(isIdSwitchError(new Error("x"))).toBe(false);
  });

  it("AllProvidersFailedError keeps every attempt", () => {
    const a = new IdSwitchError("provider_unavailable", "down", { provider: "entra" });
    const b = new IdSwitchError("provider_unavailable", "down", { provider: "eu" });
    const all = new AllProvidersFailedError([a, b]);
    expect(all.attempts).toEqual([a, b]);
    expect(all.message).toBe("every provider failed (entra: provider_unavailable, eu: provider_unavailable)");
    expect(all.retryable).toBe(true);
  });
});

describe("redact", () => {
  it("removes JWTs and long opaque credentials, keeps prose", () => {
    expect(redact(`token ${JWT} rejected`)).toBe("token [redacted jwt] rejected");
    expect(redact("code abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH was used")).toBe(
      "code [redacted] was used",
    );
    expect(redact("Account disabled")).toBe("Account disabled");
    expect(redact("Trace ID: 0f2bd3c2-4f1a-4c3e-9d6f-1b2c3d4e5f60")).toContain("0f2bd3c2");
  });
});
