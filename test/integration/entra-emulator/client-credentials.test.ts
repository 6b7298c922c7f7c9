// Client credentials and client authentication (docs/reference/entra-id.md §3.1, §9.1, §6.1, §6.4), app and tenant states.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectEntraError, get, postForm, startWorld, tokenUrl, type World } from "./world.js";

let world: World;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.entra.close());

function credentials(
  extra: Record<string, string> = {},
  tenant = world.tenant.id,
  headers: Record<string, string> = {},
) {
  return postForm(
    tokenUrl(world, tenant),
    {
      grant_type: "client_credentials",
      client_id: world.daemon.clientId,
      client_secret: "daemon-secret",
      scope: `${world.apiV2.identifierUri}/.default`,
      ...extra,
    },
    headers,
  );
}

describe("success", () => {
  it("client_secret_post: exactly token_type, expires_in, ext_expires_in, access_token (integers)", async () => {
    const result = await credentials();
    expect(result.status).toBe(200);
    expect(Object.keys(result.json)).toEqual(["token_type", "expires_in", "ext_expires_in", "access_token"]);
    expect(Number.isInteger(result.json.expires_in)).toBe(true);
    expect(result.json.ext_expires_in).toBe(result.json.expires_in);
  });

  it("client_secret_basic, with the RFC 6749 form-encoding of id and secret", async () => {
    const w = await startWorld();
    try {
      const odd = w.entra.addApp({ tenantId: w.tenant.id, secret: "a+b/c:d e%" });
      const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
      const basic = Buffer.from(`${encode(odd.clientId)}:${encode("a+b/c:d e%")}`).toString("base64");
      const result = await postForm(
        tokenUrl(w),
        { grant_type: "client_credentials", scope: `${w.apiV2.clientId}/.default` },
        { authorization: `Basic ${basic}` },
      );
      expect(result.status, result.text).toBe(200);
    } finally {
      await w.entra.close();
    }
  });

  it("/organizations answers for the client's home tenant", async () => {
    expect((await credentials({}, "organizations")).status).toBe(200);
  });
});

describe("client authentication (§6.4, §9.1)", () => {
  it("a wrong secret is 401 invalid_client 7000215, with the service's text and without the secret", async () => {
    const result = await credentials({ client_secret: "not-the-secret" });
    const body = expectEntraError(expect, result, 401, "invalid_client", 7000215);
    expect(body.error_description).toMatch(
      new RegExp(
        `^AADSTS7000215: Invalid client secret provided\\. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${world.daemon.clientId}'\\. Trace ID: `,
      ),
    );
    expect(result.text).not.toContain("not-the-secret");
    expect(result.headers.get("x-ms-clitelem")).toBe("1,7000215,0,,");
  });

  it("an expired secret is 401 invalid_client 7000222 (only when presented correctly)", async () => {
    const app = world.entra.addApp({ tenantId: world.tenant.id, secret: "old" });
    world.entra.setAppState(app.clientId, "secret_expired");
    expectEntraError(
      expect,
      await credentials({ client_id: app.clientId, client_secret: "old" }),
      401,
      "invalid_client",
      7000222,
    );
    expectEntraError(
      expect,
      await credentials({ client_id: app.clientId, client_secret: "bad" }),
      401,
      "invalid_client",
      7000215,
    );
  });

  it("no credential from a confidential client is 401 invalid_client 7000218", async () => {
    const { client_secret: _omit, ...form } = {
      grant_type: "client_credentials",
      client_id: world.daemon.clientId,
      client_secret: "",
      scope: `${world.apiV2.identifierUri}/.default`,
    };
    const body = expectEntraError(
      expect,
      await postForm(tokenUrl(world), form),
      401,
      "invalid_client",
      7000218,
    );
    expect(body.error_description).toMatch(
      /^AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'\./,
    );
  });

  it("a public client presenting a secret is 700025", async () => {
    const result = await credentials({ client_id: world.cli.clientId, client_secret: "anything" });
    expectEntraError(expect, result, 401, "invalid_client", 700025);
  });

  it("an unknown app is 400 unauthorized_client 700016; so is a deleted one, and one from another tenant", async () => {
    expectEntraError(
      expect,
      await credentials({ client_id: crypto.randomUUID() }),
      400,
      "unauthorized_client",
      700016,
    );
    const gone = world.entra.addApp({ tenantId: world.tenant.id, secret: "s" });
    world.entra.setAppState(gone.clientId, "deleted");
    expectEntraError(
      expect,
      await credentials({ client_id: gone.clientId, client_secret: "s" }),
      400,
      "unauthorized_client",
      700016,
    );
    const other = world.entra.addTenant();
    expectEntraError(expect, await credentials({}, other.id), 400, "unauthorized_client", 700016);
  });

  it("a disabled app is 400 unauthorized_client 7000112", async () => {
    const app = world.entra.addApp({ tenantId: world.tenant.id, secret: "s", displayName: "Retired" });
    world.entra.setAppState(app.clientId, "disabled");
    const body = expectEntraError(
      expect,
      await credentials({ client_id: app.clientId, client_secret: "s" }),
      400,
      "unauthorized_client",
      7000112,
    );
    expect(body.error_description).toMatch(
      new RegExp(`^AADSTS7000112: Application '${app.clientId}'\\(Retired\\) is disabled\\.`),
    );
  });

  it("a client assertion from an app with no certificate registered is refused (700027)", async () => {
    const result = await credentials({
      client_secret: "",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: "eyJhbGciOiJQUzI1NiIsIng1dCNTMjU2IjoiQUFBQSJ9.e30.c2ln",
    });
    const body = expectEntraError(expect, result, 401, "invalid_client", 700027);
    expect(body.error_description).toContain("is not registered on application");
  });
});

describe("request rules (§3.1)", () => {
  it("/common and /consumers refuse client credentials: 9001023", async () => {
    for (const segment of ["common", "consumers"]) {
      const body = expectEntraError(expect, await credentials({}, segment), 400, "invalid_request", 9001023);
      expect(body.error_description).toContain("/common or /consumers");
    }
  });

  it("the scope must be one <resource>/.default", async () => {
    expectEntraError(expect, await credentials({ scope: "" }), 400, "invalid_request", 900144);
    expectEntraError(
      expect,
      await credentials({ scope: `${world.apiV2.identifierUri}/Orders.Read` }),
      400,
      "invalid_scope",
      1002012,
    );
    const two = `${world.apiV2.identifierUri}/.default ${world.apiV1.identifierUri}/.default`;
    expectEntraError(expect, await credentials({ scope: two }), 400, "invalid_scope", 700022);
    const unknown = await credentials({ scope: "api://nobody/.default" });
    expectEntraError(expect, unknown, 400, "invalid_resource", 500011);
  });

  it("a disabled resource is 500014", async () => {
    const api = world.entra.addApp({ tenantId: world.tenant.id });
    world.entra.setAppState(api.clientId, "disabled");
    expectEntraError(
      expect,
      await credentials({ scope: `${api.clientId}/.default` }),
      400,
      "invalid_resource",
      500014,
    );
  });

  it("grant_type is required and must be known; the endpoint only takes POST", async () => {
    expectEntraError(expect, await postForm(tokenUrl(world), {}), 400, "invalid_request", 900144);
    expectEntraError(
      expect,
      await credentials({ grant_type: "password" }),
      400,
      "unsupported_grant_type",
      70003,
    );
    const viaGet = await get(tokenUrl(world));
    expectEntraError(expect, viaGet, 400, "invalid_request", 900561);
  });
});

describe("tenant states (§6.4, §6.6)", () => {
  it("blocked for inactivity: 5000225; decommissioned: 5000224; deleted: 90002 invalid_tenant", async () => {
    const cases = [
      ["blocked", "interaction_required", 5000225],
      ["decommissioned", "invalid_grant", 5000224],
      ["deleted", "invalid_tenant", 90002],
    ] as const;
    for (const [state, error, code] of cases) {
      const w = await startWorld();
      try {
        w.entra.setTenantState(w.tenant.id, state);
        const result = await postForm(tokenUrl(w), {
          grant_type: "client_credentials",
          client_id: w.daemon.clientId,
          client_secret: "daemon-secret",
          scope: `${w.apiV2.identifierUri}/.default`,
        });
        expectEntraError(expect, result, 400, error, code);
        w.entra.setTenantState(w.tenant.id, "active");
        expect(
          (
            await postForm(tokenUrl(w), {
              grant_type: "client_credentials",
              client_id: w.daemon.clientId,
              client_secret: "daemon-secret",
              scope: `${w.apiV2.identifierUri}/.default`,
            })
          ).status,
        ).toBe(200);
      } finally {
        await w.entra.close();
      }
    }
  });

  it("5000225's text points at the tenant lifecycle policy", async () => {
    const w = await startWorld();
    try {
      w.entra.setTenantState(w.tenant.id, "blocked");
      const result = await postForm(tokenUrl(w), { grant_type: "client_credentials" });
      expect(result.json.error_description).toMatch(
        /^AADSTS5000225: This tenant has been blocked due to inactivity\. To learn more about tenant lifecycle policies, see https:\/\/aka\.ms\/TenantLifecycle /,
      );
    } finally {
      await w.entra.close();
    }
  });
});
