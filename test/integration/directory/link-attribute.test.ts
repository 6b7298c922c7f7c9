/**
 * Issue 13, build 4: before the mirror's Keycloak setup writes anything, it
 * checks that the realm can be trusted with the link claim — the attribute
 * editable by administrators only (its user-profile declaration, or,
 * undeclared, the unmanaged-attribute policy), and no other protocol mapper
 * emitting a claim of that name — and refuses with the change to make.
 * `idswitch doctor` runs the same check. Each test has a realm of its own in
 * the real Keycloak.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runDoctor } from "../../../src/cli/doctor.js";
import { checkLinkAttribute, type KeycloakTarget, mirror } from "../../../src/directory/index.js";
import { IdSwitchError, MemoryStateStore } from "../../../src/index.js";
import { issuerOf } from "../../support/keycloak-env.js";
import {
  type Directory,
  directoryConfig,
  generatedDirectory,
  mirrorRealm,
  realmUsers,
  sourceOf,
  type TestRealm,
  targetOf,
} from "./support.js";

interface Profile {
  attributes: Array<{ name: string; permissions?: { view?: string[]; edit?: string[] } }>;
  unmanagedAttributePolicy?: string;
  [key: string]: unknown;
}

let dir: Directory;
let folder: string;
const realms: TestRealm[] = [];

beforeAll(async () => {
  dir = await generatedDirectory(4, 1);
  folder = await mkdtemp(join(tmpdir(), "idswitch-link-attribute-"));
});
afterEach(async () => {
  await Promise.all(realms.splice(0).map((r) => r.delete()));
});
afterAll(async () => {
  await dir?.entra.close();
});

/** A fresh realm (service account `mirror`, web client `app`) and the mirror's target on it. */
async function freshRealm(): Promise<{ realm: TestRealm; target: KeycloakTarget }> {
  const realm = await mirrorRealm();
  realms.push(realm);
  return { realm, target: targetOf(realm) };
}

const run = (target: KeycloakTarget) =>
  mirror({ source: sourceOf(dir), target, state: new MemoryStateStore(), policy: "propagate" });

async function changeProfile(target: KeycloakTarget, change: (profile: Profile) => Profile): Promise<void> {
  const profile = await target.http.get<Profile>("/users/profile");
  const answer = await target.http.call("PUT", "/users/profile", change(profile));
  expect(answer.status).toBeLessThan(300);
}

const declare = (edit: string[]) => (profile: Profile) => ({
  ...profile,
  attributes: [
    ...profile.attributes,
    { name: "entra_id", displayName: "Entra id", multivalued: false, permissions: { view: ["admin"], edit } },
  ],
});

async function addClient(target: KeycloakTarget, client: Record<string, unknown>): Promise<void> {
  const answer = await target.http.call("POST", "/clients", client);
  // 409: the mirror's client retried a create Keycloak had made but failed to answer (dev mode's H2
  // times out on table locks under load); the client is there either way.
  expect([201, 409]).toContain(answer.status);
}

const hardcodedEntraId = {
  name: "partner-entra-id",
  protocol: "openid-connect",
  protocolMapper: "oidc-hardcoded-claim-mapper",
  config: {
    "claim.name": "entra_id",
    "claim.value": "victim-tenant:victim-oid",
    "jsonType.label": "String",
    "id.token.claim": "true",
    "access.token.claim": "true",
    "userinfo.token.claim": "true",
  },
};

/** What the realm holds that the mirror would write: users, the user profile, the `app` client's mappers. */
async function snapshot(realm: TestRealm, target: KeycloakTarget) {
  const app = await target.clientUuid("app");
  return {
    users: await realmUsers(realm),
    profile: await target.http.get<Profile>("/users/profile"),
    mappers: await target.http.get<unknown[]>(`/clients/${app}/protocol-mappers/models`),
  };
}

/** The mirror's refusal: a `config_invalid` naming the realm and the attribute, each problem with its fix. */
async function refusal(promise: Promise<unknown>): Promise<IdSwitchError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IdSwitchError);
  const error = err as IdSwitchError;
  expect(error).toMatchObject({ code: "config_invalid", reason: "unsafe_link_attribute" });
  return error;
}

describe("the mirror refuses a realm that cannot be trusted with the link claim", () => {
  it("the attribute declared user-editable: refused before anything is written, the fix named", async () => {
    const { realm, target } = await freshRealm();
    await changeProfile(target, declare(["admin", "user"]));
    const before = await snapshot(realm, target);

    await refusal(run(target).plan());
    const error = await refusal(run(target).apply());
    expect(error.message).toContain(`realm "${realm.name}"`);
    expect(error.message).toContain('link attribute "entra_id"');
    expect(error.message).toContain('edit ["admin"] only');
    expect(error.issues).toEqual([
      {
        path: `realm "${realm.name}", user profile attribute "entra_id"`,
        message: expect.stringMatching(
          /permissions\.edit is \["admin","user"\].*Fix: set its permissions to edit \["admin"\] only/,
        ),
      },
    ]);
    // Nothing written: no user, the administrator's declaration untouched, no mapper added.
    expect(await snapshot(realm, target)).toEqual(before);
    expect(before.users).toHaveLength(0);
  });

  it("declared so that nobody may edit it: refused (the mirror's keys would be dropped)", async () => {
    const { target } = await freshRealm();
    await changeProfile(target, declare([]));
    const check = await checkLinkAttribute(target);
    expect(check.problems.map((p) => p.kind)).toEqual(["admin-not-editable"]);
    await refusal(run(target).apply());
    // Why: Keycloak drops the value an administrator writes (2xx, nothing stored).
    const created = await target.http.call("POST", "/users", {
      username: "probe",
      enabled: true,
      attributes: { entra_id: ["t:o"] },
    });
    expect(created.status).toBe(201);
    const [probe] = await target.http.get<Array<{ attributes?: Record<string, string[]> }>>(
      "/users?username=probe&exact=true&briefRepresentation=false",
    );
    expect(probe?.attributes?.entra_id).toBeUndefined();
  });

  it("unmanaged attributes ENABLED and the attribute undeclared: refused; declared admin-only, it runs", async () => {
    const { realm, target } = await freshRealm();
    await changeProfile(target, (p) => ({ ...p, unmanagedAttributePolicy: "ENABLED" }));

    const error = await refusal(run(target).apply());
    expect(error.message).toContain(`realm "${realm.name}"`);
    expect(error.issues?.[0]?.message).toMatch(/unmanagedAttributePolicy is ENABLED/);
    expect(error.issues?.[0]?.message).toMatch(
      /Fix: declare "entra_id" in the user profile with permissions edit \["admin"\].*ADMIN_EDIT or Disabled/,
    );
    expect(await realmUsers(realm)).toHaveLength(0);
    expect((await target.http.get<Profile>("/users/profile")).attributes.map((a) => a.name)).not.toContain(
      "entra_id",
    );

    // The fix named: declared admin-only, the declaration governs whatever the policy says.
    await changeProfile(target, declare(["admin"]));
    expect((await checkLinkAttribute(target)).problems).toEqual([]);
    const result = await run(target).apply();
    expect(result.status).toBe("done");
    expect(await realmUsers(realm)).toHaveLength(dir.users.length);
  });

  it("a hardcoded-claim mapper named like the claim in another client: refused, naming the client and the mapper", async () => {
    const { realm, target } = await freshRealm();
    await addClient(target, {
      clientId: "partner",
      publicClient: false,
      secret: "partner-secret",
      protocolMappers: [hardcodedEntraId],
    });
    // And a client scope mapping another attribute to the same claim.
    const scope = await target.http.call("POST", "/client-scopes", {
      name: "legacy-link",
      protocol: "openid-connect",
      protocolMappers: [
        {
          name: "nickname-as-entra-id",
          protocol: "openid-connect",
          protocolMapper: "oidc-usermodel-attribute-mapper",
          config: { "user.attribute": "nickname", "claim.name": "entra_id", "id.token.claim": "true" },
        },
      ],
    });
    expect(scope.status).toBe(201);
    const before = await snapshot(realm, target);

    const error = await refusal(run(target).apply());
    expect(error.message).toContain(`realm "${realm.name}"`);
    expect(error.issues?.map((i) => i.path).sort()).toEqual([
      `realm "${realm.name}", mapper "nickname-as-entra-id" of client scope "legacy-link"`,
      `realm "${realm.name}", mapper "partner-entra-id" of client "partner"`,
    ]);
    const partner = error.issues?.find((i) => i.path.includes("partner"));
    expect(partner?.message).toMatch(
      /oidc-hardcoded-claim-mapper mapper emits the claim "entra_id" with a fixed value/,
    );
    expect(partner?.message).toMatch(
      /Fix: delete mapper "partner-entra-id" of client "partner" or change its Token Claim Name/,
    );
    expect(await snapshot(realm, target)).toEqual(before);
  });

  it("the same mapper on the client the mirror configures is refused too", async () => {
    const { target } = await freshRealm();
    const app = await target.clientUuid("app");
    const added = await target.http.call("POST", `/clients/${app}/protocol-mappers/models`, hardcodedEntraId);
    expect(added.status).toBe(201);
    const check = await checkLinkAttribute(target);
    expect(check.problems).toMatchObject([
      { kind: "foreign-mapper", where: 'mapper "partner-entra-id" of client "app"' },
    ]);
    await refusal(run(target).apply());
  });
});

describe("a safe realm", () => {
  it("passes the check, is set up by the mirror admin-only, and passes again afterwards", async () => {
    const { realm, target } = await freshRealm();
    // An unrelated hardcoded claim, a SAML attribute of that name, and an administrator's own copy of the
    // mirror's mapper in a client scope: none of them is a way around the admin-only attribute.
    await addClient(target, {
      clientId: "other",
      publicClient: false,
      secret: "other-secret",
      protocolMappers: [
        {
          ...hardcodedEntraId,
          name: "dept",
          config: { ...hardcodedEntraId.config, "claim.name": "entra_idx" },
        },
      ],
    });
    await addClient(target, {
      clientId: "saml-sp",
      protocol: "saml",
      protocolMappers: [
        {
          name: "entra_id",
          protocol: "saml",
          protocolMapper: "saml-user-attribute-mapper",
          config: { "user.attribute": "nickname", "attribute.name": "entra_id", "friendly.name": "entra_id" },
        },
      ],
    });
    const scope = await target.http.call("POST", "/client-scopes", {
      name: "entra-link",
      protocol: "openid-connect",
      protocolMappers: [
        {
          name: "entra_id",
          protocol: "openid-connect",
          protocolMapper: "oidc-usermodel-attribute-mapper",
          config: { "user.attribute": "entra_id", "claim.name": "entra_id", "id.token.claim": "true" },
        },
      ],
    });
    expect(scope.status).toBe(201);

    const first = await checkLinkAttribute(target);
    expect(first).toMatchObject({
      realm: realm.name,
      attribute: "entra_id",
      claim: "entra_id",
      declared: false,
      problems: [],
    });
    const result = await run(target).apply();
    expect(result.status).toBe("done");
    expect(result.counts["declare-attribute"]).toBe(1);
    expect(result.counts["ensure-mapper"]).toBe(1);
    expect(await realmUsers(realm)).toHaveLength(dir.users.length);
    const declared = (await target.http.get<Profile>("/users/profile")).attributes.find(
      (a) => a.name === "entra_id",
    );
    expect(declared?.permissions).toEqual({ view: ["admin"], edit: ["admin"] });

    // The mirror's own mapper on `app` is not a foreign one.
    const again = await checkLinkAttribute(target);
    expect(again).toMatchObject({ declared: true, problems: [] });
    expect((await run(target).apply()).writes).toBe(0);
  });

  it("the check needs no role beyond those the mirror's docs ask for (no query-clients)", async () => {
    const { realm, target } = await freshRealm();
    const [account] = await target.http.get<Array<{ id: string }>>(
      "/users?username=service-account-mirror&exact=true",
    );
    const management = await target.clientUuid("realm-management");
    const path = `/users/${account?.id}/role-mappings/clients/${management}`;
    const role = await target.http.get<Record<string, unknown>>(`/clients/${management}/roles/query-clients`);
    expect((await target.http.call("DELETE", path, [role])).status).toBe(204);
    const names = (await target.http.get<Array<{ name: string }>>(path)).map((r) => r.name);
    expect(names).not.toContain("query-clients");
    // A new target: a new token, without the role.
    expect(await checkLinkAttribute(targetOf(realm))).toMatchObject({ problems: [] });
  });

  it("unmanaged attributes ADMIN_EDIT, undeclared: fine, the mirror declares it", async () => {
    const { target } = await freshRealm();
    await changeProfile(target, (p) => ({ ...p, unmanagedAttributePolicy: "ADMIN_EDIT" }));
    expect(await checkLinkAttribute(target)).toMatchObject({
      declared: false,
      unmanagedAttributePolicy: "ADMIN_EDIT",
      problems: [],
    });
    expect((await run(target).apply()).status).toBe("done");
  });
});

describe("idswitch doctor", () => {
  async function doctor(realm: TestRealm, linking: Record<string, unknown> | undefined) {
    const web = dir.entra.addApp({ tenantId: dir.tenantId, displayName: "web", secret: "web-secret" });
    const config = {
      providers: [
        {
          type: "entra",
          id: "entra",
          tenantId: dir.tenantId,
          clientId: web.clientId,
          clientSecret: { env: "WEB_SECRET" },
          authority: dir.entra.url,
          v1IssuerBase: dir.entra.v1IssuerBase,
        },
        {
          type: "keycloak",
          id: "eu",
          issuer: issuerOf(realm.name),
          clientId: "app",
          clientSecret: { env: "APP_SECRET" },
        },
      ],
      ...(linking ? { linking } : {}),
      directory: directoryConfig(dir, realm, { policy: "propagate" }),
    };
    const path = join(folder, `${realm.name}.json`);
    await writeFile(path, JSON.stringify(config));
    const env = {
      WEB_SECRET: "web-secret",
      APP_SECRET: "app-secret",
      MIRROR_GRAPH_SECRET: "mirror-secret",
      MIRROR_KC_SECRET: "mirror-secret",
    };
    const json: string[] = [];
    const code = await runDoctor({ args: ["--config", path, "--json"], env, write: (l) => json.push(l) });
    const text: string[] = [];
    await runDoctor({ args: ["--config", path], env, write: (l) => text.push(l) });
    return {
      code,
      report: JSON.parse(json.join("\n")) as {
        providers: Array<{ verdict: string }>;
        linking?: {
          verdict: string;
          realm: string;
          claim: string;
          checks: Array<{ status: string; detail: string }>;
        };
        mirror?: { verdict: string; detail: string };
      },
      text: text.join("\n"),
    };
  }

  const linking = { claim: { name: "entra_id", provider: "entra", from: ["eu"] } };

  it("reports a foreign mapper as a problem with its fix, and exits 1", async () => {
    const { realm, target } = await freshRealm();
    await addClient(target, {
      clientId: "partner",
      publicClient: false,
      secret: "p",
      protocolMappers: [hardcodedEntraId],
    });
    const { code, report, text } = await doctor(realm, linking);
    expect(report.providers.map((p) => p.verdict)).toEqual(["ok", "ok"]);
    // The configuration's plain "propagate" copies Microsoft's suspensions too: a warning, not a failure.
    expect(report.mirror).toMatchObject({
      verdict: "warning",
      detail: expect.stringContaining("trustedInitiators"),
    });
    expect(report.linking).toMatchObject({
      verdict: "problem",
      realm: issuerOf(realm.name),
      claim: "entra_id",
    });
    expect(report.linking?.checks).toEqual([
      {
        check: "linking",
        status: "problem",
        code: "config_invalid",
        detail: expect.stringMatching(
          new RegExp(
            `realm "${realm.name}", mapper "partner-entra-id" of client "partner": .*Fix: delete mapper`,
          ),
        ),
      },
    ]);
    expect(code).toBe(1);
    expect(text).toMatch(/✘ link claim {2}claim entra_id/);
    expect(text).toContain("Problems with: the link claim.");
  });

  it("says a safe realm is fine and exits 0", async () => {
    const { realm } = await freshRealm();
    const { code, report, text } = await doctor(realm, linking);
    expect(report.linking).toMatchObject({ verdict: "ok", claim: "entra_id" });
    expect(report.linking?.checks[0]?.detail).toMatch(
      /not declared yet \(the mirror declares it admin-only\)/,
    );
    expect(code).toBe(0);
    expect(text).toContain("Every provider is ready.");
  });

  it("names a link claim the mirror does not map", async () => {
    const { realm } = await freshRealm();
    const { code, report } = await doctor(realm, { claim: { ...linking.claim, name: "entra_oid" } });
    expect(report.linking?.checks[0]?.detail).toMatch(
      /linking.claim.name is "entra_oid" but the mirror maps "entra_id" to the claim "entra_id": set directory.target.claim to "entra_oid"/,
    );
    expect(code).toBe(1);
  });
});
