import { ResponseBodyError } from "openid-client";
import { describe, expect, it } from "vitest";
import { keycloak } from "../../src/index.js";
import fixture from "../fixtures/keycloak-answers.json" with { type: "json" };

const provider = keycloak({ id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId: "app" });

/** The error openid-client raises for such an answer. */
function responseBodyError(status: number, body: Record<string, string>): ResponseBodyError {
  return new ResponseBodyError("server responded with an error in the response body", {
    cause: body as never,
    response: new Response(JSON.stringify(body), { status }),
  });
}

describe("Keycloak error classification", () => {
  it.each(fixture.answers)("$case → $code", (answer) => {
    const err = provider.classifyError(responseBodyError(answer.status, answer.body));
    expect(err.code).toBe(answer.code);
    expect(err.provider).toBe("eu");
    if ("reason" in answer) expect(err.reason).toBe(answer.reason);
    expect(err.providerAnswer?.status).toBe(answer.status);
  });

  it("never retries a denial", () => {
    for (const answer of fixture.answers) {
      const err = provider.classifyError(responseBodyError(answer.status, answer.body));
      expect(err.retryable).toBe(false);
    }
  });

  it("maps an undocumented answer to an unexpected response, not to a denial", () => {
    const err = provider.classifyError(responseBodyError(400, { error: "weird_error" }));
    expect(err).toMatchObject({
      code: "provider_unavailable",
      reason: "unexpected_response",
      retryable: false,
    });
  });

  it("rethrows programmer errors instead of classifying them", () => {
    const misuse = Object.assign(new TypeError('"clientId" must be a non-empty string'), {
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(() => provider.classifyError(misuse)).toThrow(TypeError);
  });
});
