/**
 * An IdSwitchError's hidden `cause` holds no token, code, secret or claims
 * set: what loggers and `util.inspect` walk is rebuilt from safe parts when
 * the error is made. The search itself (test/support/secret-walker.ts, run on
 * every error of every suite by test/setup/errors-hold-no-secrets.ts) is
 * proven here to find each kind of leak in the raw causes.
 */
import { inspect } from "node:util";
import * as jose from "jose";
import { describe, expect, it } from "vitest";
import { IdSwitchError, withAlternatives } from "../../src/core/errors.js";
import { findLeaks } from "../support/secret-walker.js";

const secretKey = new TextEncoder().encode("a-hmac-key-for-the-error-cause-test!");
const CODE = "1f0c0d1e-5b7a-4c3e-9d2a-0b1c2d3e4f5a.8a7b6c5d-4e3f-2a1b-0c9d-8e7f6a5b4c3d";
const REFRESH = "rt_0123456789abcdef0123456789abcdef0123456789";

async function expiredTokenError(): Promise<{ error: unknown; token: string }> {
  const token = await new jose.SignJWT({ sub: "alice", email: "alice@example.org" })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer("https://op.example")
    .setAudience("api")
    .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
    .sign(secretKey);
  try {
    await jose.jwtVerify(token, secretKey, { issuer: "https://op.example", audience: "api" });
  } catch (error) {
    return { error, token };
  }
  throw new Error("expected jose to refuse an expired token");
}

/** What openid-client's callback errors carry: the parameters of the redirect, the code among them. */
function callbackError(): Error {
  const parameters = new URLSearchParams({ code: CODE, state: "s", iss: "https://op.example" });
  return Object.assign(new Error("unexpected callback"), { code: "OAUTH_INVALID_RESPONSE", parameters });
}

describe("the search finds each kind of leak in a raw cause", () => {
  it.each([
    ["a JWT in a string", async () => (await expiredTokenError()).token, "a JWT"],
    ["jose's claims set", async () => (await expiredTokenError()).error, "a claims set"],
    ["callback parameters", async () => callbackError(), "an authorization code"],
    ["a response", async () => new Response("{}"), "an HTTP message"],
    ["a credential by name", async () => ({ refresh_token: REFRESH }), 'a credential named "refresh_token"'],
    ["a code in a URL", async () => new URL(`https://app.example/cb?code=${CODE}`), "a credential in a URL"],
  ])("%s", async (_, make, kind) => {
    const hidden = new Error("outer");
    Object.defineProperty(hidden, "cause", { value: await make(), enumerable: false });
    expect(findLeaks(hidden).map((leak) => leak.kind)).toEqual([expect.stringContaining(kind)]);
  });

  it("an error number in Entra's error_uri is not a leak", () => {
    expect(findLeaks({ error_uri: "https://login.microsoftonline.com/error?code=50126" })).toEqual([]);
  });
});

describe("an IdSwitchError keeps a safe cause", () => {
  it("of jose's claim error: its name, message and code, not the claims set", async () => {
    const { error, token } = await expiredTokenError();
    const err = new IdSwitchError("token_invalid", "op: expired", { reason: "expired", cause: error });
    expect(findLeaks(err)).toEqual([]);
    expect(err.cause).toMatchObject({ name: "JWTExpired", code: "ERR_JWT_EXPIRED" });
    expect(inspect(err, { depth: 10, showHidden: true })).not.toContain(token.split(".")[1]);
    expect(inspect(err, { depth: 10, showHidden: true })).not.toContain("alice@example.org");
  });

  it("of a callback error: the code is not kept, the error's own code is", () => {
    const err = new IdSwitchError("token_invalid", "op: bad callback", { cause: callbackError() });
    expect(findLeaks(err)).toEqual([]);
    expect(err.cause).toMatchObject({ code: "OAUTH_INVALID_RESPONSE" });
    expect(inspect(err, { depth: 10, showHidden: true })).not.toContain(CODE);
  });

  it("of a network failure: the cause chain down to the system error code", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const err = new IdSwitchError("provider_unavailable", "op: unreachable", {
      cause: new TypeError("fetch failed", { cause: refused }),
    });
    expect(err.cause).toMatchObject({ name: "TypeError", message: "fetch failed" });
    expect((err.cause as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
    expect((err.cause as Error).stack).toMatch(/^TypeError: fetch failed\n\s+at /);
  });

  it("of a provider's answer: status, error, redacted description and scalar details", () => {
    const err = new IdSwitchError("invalid_credentials", "op: invalid_grant", {
      cause: {
        status: 400,
        error: "invalid_grant",
        description: `refresh token ${REFRESH} is revoked`,
        details: { error_codes: [70008], trace_id: "t-1", echoed: { refresh_token: REFRESH } },
        access_token: "never-kept",
      },
    });
    expect(err.providerAnswer).toEqual({
      status: 400,
      error: "invalid_grant",
      description: "refresh token [redacted] is revoked",
      details: { error_codes: [70008], trace_id: "t-1" },
    });
    expect(findLeaks(err)).toEqual([]);
  });

  it("drops what it cannot vouch for: a Response, search parameters, an unknown object", () => {
    for (const cause of [new Response("{}"), new URLSearchParams({ code: CODE }), { token: REFRESH }]) {
      expect(new IdSwitchError("provider_unavailable", "op", { cause }).cause).toBeUndefined();
    }
  });

  it("withAlternatives carries the safe cause over unchanged", async () => {
    const err = new IdSwitchError("token_invalid", "op", { cause: (await expiredTokenError()).error });
    const moved = withAlternatives(err, ["eu"]);
    expect(moved.cause).toEqual(err.cause);
    expect(findLeaks(moved)).toEqual([]);
  });
});
