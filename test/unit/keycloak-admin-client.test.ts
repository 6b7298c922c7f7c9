import { describe, expect, it } from "vitest";
import { createRuntime } from "../../src/core/runtime.js";
import { KeycloakHttp } from "../../src/directory/keycloak/http.js";
import { keycloak } from "../../src/index.js";
import { rejectionOf } from "../support/rejection.js";

const BASE = "https://auth.example.eu";
const TOKEN_URL = `${BASE}/realms/acme/protocol/openid-connect/token`;

type Answer = { status: number; body?: unknown };

/** A Keycloak that answers from a script, one answer per request, and records what it was asked. */
function scripted(answers: Record<string, Answer[]>) {
  const seen: Array<{ url: string; method: string; authorization: string | undefined }> = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    seen.push({ url, method: init?.method ?? "GET", authorization: headers.authorization });
    const key = url === TOKEN_URL ? "token" : new URL(url).pathname;
    const answer = answers[key]?.shift();
    if (!answer) throw new TypeError(`fetch failed: nothing scripted for ${key}`);
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
    });
  };
  return { fetch, seen };
}

const token = (value: string, expiresIn = 300): Answer => ({
  status: 200,
  body: { access_token: value, expires_in: expiresIn },
});

function provider(fetch: typeof globalThis.fetch, now = () => 0) {
  return keycloak({
    id: "eu",
    issuer: `${BASE}/realms/acme`,
    clientId: "app",
    admin: { clientId: "admin", clientSecret: "s3cret" },
    runtime: { fetch, now },
  });
}

function mirrorHttp(fetch: typeof globalThis.fetch, now = () => 0) {
  return new KeycloakHttp({
    provider: "keycloak",
    baseUrl: BASE,
    realm: "acme",
    clientId: "mirror",
    clientSecret: "s3cret",
    runtime: createRuntime({ fetch, now }),
    attempts: 3,
    backoffMs: 1,
  });
}

describe("the Keycloak admin client both the provider and the mirror use", () => {
  it("keeps the service account's token until shortly before it expires", async () => {
    let now = 0;
    const user = { status: 200, body: { enabled: true } };
    const lock = { status: 200, body: { disabled: false } };
    const kc = scripted({
      token: [token("t1", 300), token("t2", 300)],
      "/admin/realms/acme/users/u1": [user, user],
      "/admin/realms/acme/attack-detection/brute-force/users/u1": [lock, lock],
    });
    const eu = provider(kc.fetch, () => now);
    expect((await eu.accountStatus("u1")).status).toBe("active");
    now = 200_000; // 100 s before expiry: still good
    await eu.accountStatus("u1");
    expect(kc.seen.filter((r) => r.url === TOKEN_URL)).toHaveLength(1);
    expect(kc.seen.at(-1)?.authorization).toBe("Bearer t1");
    now = 280_000; // within the margin: renewed first
    kc.seen.length = 0;
    await rejectionOf(eu.accountStatus("u1")); // nothing more scripted for the user: only the token matters
    expect(kc.seen[0]?.url).toBe(TOKEN_URL);
  });

  it("tries a refused token once more with a fresh one (revoked, or expired early)", async () => {
    const kc = scripted({
      token: [token("old"), token("new")],
      "/admin/realms/acme/users/u1": [{ status: 401 }, { status: 200, body: { enabled: false } }],
      "/admin/realms/acme/attack-detection/brute-force/users/u1": [
        { status: 200, body: { disabled: false } },
      ],
    });
    expect((await provider(kc.fetch).accountStatus("u1")).status).toBe("disabled");
    expect(kc.seen.map((r) => r.authorization).filter(Boolean)).toEqual([
      "Bearer old",
      "Bearer new",
      "Bearer new",
    ]);
  });

  it("provider: a bare 403 is the admin account lacking rights; a token answer without a token is malformed", async () => {
    const denied = scripted({ token: [token("t")], "/admin/realms/acme/users/u1": [{ status: 403 }] });
    expect(await rejectionOf(provider(denied.fetch).accountStatus("u1"))).toMatchObject({
      code: "config_invalid",
      reason: "admin_access",
    });
    const empty = scripted({ token: [{ status: 200, body: {} }] });
    expect(await rejectionOf(provider(empty.fetch).accountStatus("u1"))).toMatchObject({
      code: "provider_unavailable",
      reason: "malformed_response",
    });
    const refused = scripted({
      token: [
        {
          status: 401,
          body: {
            error: "unauthorized_client",
            error_description: "Invalid client or Invalid client credentials",
          },
        },
      ],
    });
    expect(await rejectionOf(provider(refused.fetch).accountStatus("u1"))).toMatchObject({
      code: "client_suspended",
      reason: "client_credentials_rejected",
    });
  });

  it("mirror: Keycloak failing is retried, then reported as resumable; refused credentials are not", async () => {
    const flaky = scripted({
      token: [{ status: 503 }, token("t")],
      "/admin/realms/acme/users": [{ status: 502 }, { status: 200, body: [{ id: "x" }] }],
    });
    const http = mirrorHttp(flaky.fetch);
    expect(await http.get("/users")).toEqual([{ id: "x" }]);
    expect(http.calls).toBe(4);

    const down = scripted({
      token: [token("t")],
      "/admin/realms/acme/users": [{ status: 503 }, { status: 503 }, { status: 429 }],
    });
    expect(await rejectionOf(mirrorHttp(down.fetch).get("/users"))).toMatchObject({
      code: "provider_unavailable",
      reason: "rate_limited",
    });

    const refused = scripted({ token: [{ status: 401, body: { error: "unauthorized_client" } }] });
    expect(await rejectionOf(mirrorHttp(refused.fetch).get("/users"))).toMatchObject({
      code: "client_suspended",
      reason: "admin_credentials_refused",
    });

    const unreachable = scripted({});
    expect(await rejectionOf(mirrorHttp(unreachable.fetch).get("/users"))).toMatchObject({
      code: "provider_unavailable",
      reason: "network",
    });
  });

  it("mirror: a connect budget or a response budget that ran out is named as such, like every other call", async () => {
    // What nodeFetch() throws when `runtime.connectTimeoutMs` passes before the socket connects.
    const hung = async (): Promise<Response> => {
      throw Object.assign(new Error("connect timeout"), {
        code: "IDSWITCH_CONNECT_TIMEOUT",
        timeoutMs: 2000,
      });
    };
    expect(await rejectionOf(mirrorHttp(hung).get("/users"))).toMatchObject({
      code: "provider_unavailable",
      reason: "connect_timeout",
    });
    const slow = async (): Promise<Response> => {
      throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
    };
    expect(await rejectionOf(mirrorHttp(slow).get("/users"))).toMatchObject({
      code: "provider_unavailable",
      reason: "timeout",
    });
  });
});
