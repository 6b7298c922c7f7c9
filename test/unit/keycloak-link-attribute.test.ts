/**
 * `checkLinkAttribute` and the mirror's setup against a scripted realm: the
 * cases the real Keycloak cannot easily be put in (a script mapper needs a
 * deployed JAR) and the fine print of claim names (nesting, escaped dots,
 * SAML), plus paging through many clients. The real-Keycloak tests are in
 * test/integration/directory/link-attribute.test.ts.
 */
import { describe, expect, it } from "vitest";
import { checkLinkAttribute, keycloakDirectory } from "../../src/directory/index.js";
import { IdSwitchError } from "../../src/index.js";

const BASE = "https://auth.example.eu";

interface Realm {
  profile: Record<string, unknown>;
  scopes: Array<Record<string, unknown>>;
  clients: Array<Record<string, unknown>>;
}

/** A realm answering the admin API's reads; every write is recorded and refused by the test. */
function realmOf(realm: Partial<Realm>) {
  const full: Realm = {
    profile: { attributes: [{ name: "username" }] },
    scopes: [],
    clients: [{ id: "app-uuid", clientId: "app", protocol: "openid-connect", protocolMappers: [] }],
    ...realm,
  };
  const writes: string[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });
    if (url.pathname.endsWith("/protocol/openid-connect/token")) {
      return json({ access_token: "t", expires_in: 300 });
    }
    if (method !== "GET") {
      writes.push(`${method} ${url.pathname}`);
      return new Response(null, { status: 204 });
    }
    const path = url.pathname.replace("/admin/realms/acme", "");
    if (path === "/users/profile") return json(full.profile);
    if (path === "/client-scopes") return json(full.scopes);
    if (path === "/clients") {
      const first = Number(url.searchParams.get("first") ?? 0);
      const max = Number(url.searchParams.get("max") ?? 1000);
      return json(full.clients.slice(first, first + max));
    }
    return new Response(null, { status: 404 });
  };
  const target = keycloakDirectory({
    url: BASE,
    realm: "acme",
    clientId: "mirror",
    clientSecret: "s",
    clients: ["app"],
    retry: { attempts: 1, backoffMs: 0 },
    runtime: { fetch },
  });
  return { target, writes };
}

const mapper = (name: string, type: string, config: Record<string, string>, protocol = "openid-connect") => ({
  name,
  protocol,
  protocolMapper: type,
  config,
});

async function problemsOf(realm: Partial<Realm>) {
  const { target } = realmOf(realm);
  return (await checkLinkAttribute(target)).problems;
}

describe("checkLinkAttribute", () => {
  it("a fresh realm is fine: undeclared, unmanaged attributes disabled, no mapper", async () => {
    const { target } = realmOf({});
    expect(await checkLinkAttribute(target)).toEqual({
      realm: "acme",
      attribute: "entra_id",
      claim: "entra_id",
      declared: false,
      unmanagedAttributePolicy: undefined,
      problems: [],
    });
  });

  it("the declared permissions govern: user in edit refused, admin-only fine whatever the policy", async () => {
    const declared = (edit: string[], policy?: string) => ({
      profile: {
        attributes: [{ name: "entra_id", permissions: { view: ["admin", "user"], edit } }],
        ...(policy ? { unmanagedAttributePolicy: policy } : {}),
      },
    });
    expect((await problemsOf(declared(["user"]))).map((p) => p.kind)).toEqual(["user-editable"]);
    expect((await problemsOf(declared(["admin", "user"], "ADMIN_EDIT"))).map((p) => p.kind)).toEqual([
      "user-editable",
    ]);
    expect((await problemsOf(declared([]))).map((p) => p.kind)).toEqual(["admin-not-editable"]);
    expect(await problemsOf(declared(["admin"], "ENABLED"))).toEqual([]);
  });

  it("undeclared: only the ENABLED policy lets users write it", async () => {
    for (const policy of ["ADMIN_VIEW", "ADMIN_EDIT", "DISABLED"]) {
      expect(await problemsOf({ profile: { attributes: [], unmanagedAttributePolicy: policy } })).toEqual([]);
    }
    expect(
      await problemsOf({ profile: { attributes: [], unmanagedAttributePolicy: "ENABLED" } }),
    ).toMatchObject([{ kind: "unmanaged-user-editable", where: 'user profile attribute "entra_id"' }]);
  });

  it("claim names: the same claim, one nesting the other, escaped dots, SAML", async () => {
    const hardcoded = (claim: string) =>
      mapper(`m-${claim}`, "oidc-hardcoded-claim-mapper", { "claim.name": claim });
    const scope = (...mappers: unknown[]) => ({
      scopes: [{ name: "s", protocol: "openid-connect", protocolMappers: mappers }],
    });
    const flagged = async (...mappers: unknown[]) =>
      (await problemsOf(scope(...mappers))).map((p) => p.where);
    expect(await flagged(hardcoded("entra_id"))).toEqual(['mapper "m-entra_id" of client scope "s"']);
    expect(await flagged(hardcoded("entra_id.tid"))).toHaveLength(1); // nests a claim under entra_id
    expect(
      await flagged(hardcoded("entra_idx"), hardcoded("x.entra_id"), hardcoded("entra_id\\.tid")),
    ).toEqual([]);
    // SAML attributes never reach an OIDC token; a SAML scope's mappers neither.
    expect(
      await flagged(mapper("saml", "saml-hardcode-attribute-mapper", { "claim.name": "entra_id" }, "saml")),
    ).toEqual([]);
    expect(
      await problemsOf({
        scopes: [
          {
            name: "s",
            protocol: "saml",
            protocolMappers: [{ name: "x", protocolMapper: "saml-x", config: { "claim.name": "entra_id" } }],
          },
        ],
      }),
    ).toEqual([]);
  });

  it("the admin-only attribute mapped anywhere is fine; another attribute or property mapped to the claim is not", async () => {
    const ours = mapper("copy", "oidc-usermodel-attribute-mapper", {
      "user.attribute": "entra_id",
      "claim.name": "entra_id",
    });
    const other = mapper("nick", "oidc-usermodel-attribute-mapper", {
      "user.attribute": "nickname",
      "claim.name": "entra_id",
    });
    const property = mapper("prop", "oidc-usermodel-property-mapper", {
      "user.attribute": "entra_id",
      "claim.name": "entra_id",
    });
    const problems = await problemsOf({
      clients: [
        { id: "1", clientId: "app", protocolMappers: [ours] },
        { id: "2", clientId: "partner", protocolMappers: [other, property] },
      ],
    });
    expect(problems.map((p) => p.where)).toEqual([
      'mapper "nick" of client "partner"',
      'mapper "prop" of client "partner"',
    ]);
    expect(problems[0]?.problem).toContain('from the user\'s "nickname"');
  });

  it("a script mapper is refused whatever claim it names: its script can set any claim", async () => {
    const problems = await problemsOf({
      clients: [
        { id: "1", clientId: "app", protocolMappers: [] },
        {
          id: "2",
          clientId: "legacy",
          protocolMappers: [mapper("js", "script-claims.js", { "claim.name": "department" })],
        },
      ],
    });
    expect(problems).toMatchObject([{ kind: "foreign-mapper", where: 'mapper "js" of client "legacy"' }]);
    expect(problems[0]?.fix).toContain('delete mapper "js" of client "legacy"');
  });

  it("pages through every client", async () => {
    const clients = Array.from({ length: 250 }, (_, i) => ({
      id: `c${i}`,
      clientId: `c${i}`,
      protocolMappers: [],
    }));
    clients.push({
      id: "last",
      clientId: "last",
      protocolMappers: [
        mapper("late", "oidc-hardcoded-claim-mapper", { "claim.name": "entra_id" }),
      ] as never[],
    });
    expect((await problemsOf({ clients })).map((p) => p.where)).toEqual(['mapper "late" of client "last"']);
  });

  it("checks the claim it is asked about (createIdentity's linking.claim.name)", async () => {
    const { target } = realmOf({
      scopes: [
        {
          name: "s",
          protocolMappers: [mapper("h", "oidc-hardcoded-claim-mapper", { "claim.name": "entra_oid" })],
        },
      ],
    });
    expect((await checkLinkAttribute(target)).problems).toEqual([]);
    expect((await checkLinkAttribute(target, { claim: "entra_oid" })).problems).toHaveLength(1);
  });
});

describe("the mirror's setup", () => {
  it("refuses an unsafe realm before it writes, naming the realm, the attribute and the fix", async () => {
    const { target, writes } = realmOf({
      profile: { attributes: [], unmanagedAttributePolicy: "ENABLED" },
    });
    const err = await target.setup().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IdSwitchError);
    expect(err).toMatchObject({ code: "config_invalid", reason: "unsafe_link_attribute" });
    const { message, issues } = err as IdSwitchError;
    expect(message).toMatch(/^keycloak: realm "acme" cannot be trusted with the link attribute "entra_id"/);
    expect(message).toContain('declare "entra_id" in the user profile with permissions edit ["admin"]');
    expect(message.length).toBeLessThanOrEqual(500); // not cut by redact()
    expect(issues).toHaveLength(1);
    expect(writes).toEqual([]);
  });

  it("on a safe realm lists what it would create, and writes nothing until applied", async () => {
    const { target, writes } = realmOf({});
    const steps = await target.setup();
    expect(steps.map((s) => `${s.kind} ${s.target}`)).toEqual([
      "declare-attribute entra_id",
      "ensure-mapper app",
    ]);
    expect(writes).toEqual([]);
  });

  it("an unknown client is a config_invalid naming it", async () => {
    const { target } = realmOf({ clients: [] });
    await expect(target.setup()).rejects.toMatchObject({ code: "config_invalid", reason: "unknown_client" });
  });
});
