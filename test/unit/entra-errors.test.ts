import { ResponseBodyError } from "openid-client";
import { describe, expect, it } from "vitest";
import { entraId } from "../../src/index.js";
import fixture from "../fixtures/entra-answers.json" with { type: "json" };

const provider = entraId({ id: "entra", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", clientId: "app" });

function responseBodyError(status: number, body: Record<string, unknown>): ResponseBodyError {
  return new ResponseBodyError("server responded with an error in the response body", {
    cause: body as never,
    response: new Response(JSON.stringify(body), { status }),
  });
}

describe("Entra error classification (AADSTS table)", () => {
  it.each(fixture.answers)("$case → $code", (answer) => {
    const err = provider.classifyError(responseBodyError(answer.status, answer.body));
    expect(err.code).toBe(answer.code);
    expect(err.provider).toBe("entra");
    if ("reason" in answer) expect(err.reason).toBe(answer.reason);
  });

  it("keeps error_codes, suberror and trace ids for diagnosis, never the whole body", () => {
    const answer = fixture.answers[1] as (typeof fixture.answers)[number];
    const err = provider.classifyError(responseBodyError(answer.status, answer.body));
    expect(err.providerAnswer?.details).toMatchObject({ error_codes: [50076], suberror: "basic_action" });
  });

  it("an AADSTS code nobody mapped falls back to the OAuth error", () => {
    const err = provider.classifyError(
      responseBodyError(400, {
        error: "invalid_grant",
        error_description: "AADSTS99999: new.",
        error_codes: [99999],
      }),
    );
    expect(err.code).toBe("session_revoked");
  });
});
