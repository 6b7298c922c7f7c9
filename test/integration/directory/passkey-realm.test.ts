/**
 * Passkeys, part 3: the realm settings passkeys need. `checkPasskeyRealm`
 * names each missing one with its fix; `preparePasskeys` applies the WebAuthn
 * passwordless policy through a full realm representation (Keycloak ignores
 * it in a partial PUT) and enables the required action, never touching SMTP;
 * `idswitch doctor` prints the problems and exits 1. Each test has a realm of
 * its own in the real Keycloak, deleted afterwards.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runDoctor } from "../../../src/cli/doctor.js";
import {
  checkPasskeyRealm,
  type KeycloakTarget,
  type PasskeyRealmCheck,
  preparePasskeys,
} from "../../../src/directory/index.js";
import { IdSwitchError } from "../../../src/index.js";
import { issuerOf, keycloakUrl, REDIRECT_URI } from "../../support/keycloak-env.js";
import { mirrorRealm, type TestRealm, targetOf } from "./support.js";

type Realm = Record<string, unknown> & { smtpServer?: Record<string, string> };

const realms: TestRealm[] = [];
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "idswitch-passkeys-"));
});
afterEach(async () => {
  await Promise.all(realms.splice(0).map((r) => r.delete()));
});

async function freshRealm(): Promise<{ realm: TestRealm; target: KeycloakTarget; issuer: string }> {
  const realm = await mirrorRealm();
  realms.push(realm);
  return { realm, target: targetOf(realm), issuer: issuerOf(realm.name) };
}

const readRealm = (target: KeycloakTarget) => target.http.get<Realm>("");

const SMTP = {
  host: "127.0.0.1",
  port: "2525",
  from: "noreply@passkeys.test",
  fromDisplayName: "Passkey test",
  auth: "false",
  ssl: "false",
  starttls: "false",
};

/** SMTP is the organisation's: set here as an administrator would, by a partial PUT (it applies). */
async function setSmtp(target: KeycloakTarget, smtp: Record<string, string>): Promise<void> {
  expect((await target.http.call("PUT", "", { smtpServer: smtp })).status).toBe(204);
}

/** An administrator's full-representation change of the realm. */
async function changeRealm(target: KeycloakTarget, change: Partial<Realm>): Promise<void> {
  const realm = await readRealm(target);
  expect((await target.http.call("PUT", "", { ...realm, ...change })).status).toBe(204);
}

const kinds = (check: PasskeyRealmCheck) => check.problems.map((p) => p.kind);

describe("checkPasskeyRealm", () => {
  it("a fresh realm is not ready: each missing setting named with its fix", async () => {
    const { realm, target, issuer } = await freshRealm();
    const check = await checkPasskeyRealm(target, { issuer });
    expect(check).toMatchObject({ realm: realm.name, host: "localhost", rpId: "", ready: false });
    // Keycloak 26.7.3's defaults: user verification and resident key already "required", the required
    // action registered and enabled; passkeys off and no SMTP.
    expect(kinds(check)).toEqual(["passkeys-disabled", "smtp-host", "smtp-from"]);
    const byKind = Object.fromEntries(check.problems.map((p) => [p.kind, p]));
    expect(byKind["passkeys-disabled"]).toMatchObject({
      where: "webAuthnPolicyPasswordlessPasskeysEnabled",
      fix: expect.stringContaining("Enable passkeys"),
    });
    expect(byKind["smtp-from"]?.problem).toContain(`Invalid sender address 'null'`);
    expect(byKind["smtp-host"]?.fix).toContain("Realm settings → Email");
    // An empty relying-party id: taken from the request host, a warning only.
    expect(check.warnings).toMatchObject([
      { kind: "rp-id-from-request", where: "webAuthnPolicyPasswordlessRpId" },
    ]);
  });

  it("names every policy setting an administrator weakened, and a disabled required action", async () => {
    const { target, issuer } = await freshRealm();
    await changeRealm(target, {
      webAuthnPolicyPasswordlessUserVerificationRequirement: "preferred",
      webAuthnPolicyPasswordlessResidentKey: "discouraged",
      webAuthnPolicyPasswordlessRpId: "elsewhere.example",
    });
    const actions = "/authentication/required-actions/webauthn-register-passwordless";
    const action = await target.http.get<Record<string, unknown>>(actions);
    expect((await target.http.call("PUT", actions, { ...action, enabled: false })).status).toBe(204);
    await setSmtp(target, SMTP);

    const check = await checkPasskeyRealm(target, { issuer });
    expect(kinds(check)).toEqual([
      "rp-id-mismatch",
      "passkeys-disabled",
      "user-verification",
      "resident-key",
      "required-action",
    ]);
    expect(check.problems[0]?.problem).toContain(`"elsewhere.example" is neither "localhost"`);
    expect(check.problems[2]?.problem).toContain(`is "preferred", not "required"`);
    expect(check.problems[4]).toMatchObject({
      where: 'required action "webauthn-register-passwordless"',
      problem: expect.stringContaining("is disabled"),
    });
    expect(check.warnings).toEqual([]);
  });

  it("a relying-party id that is a parent domain of the host covers it", async () => {
    const { target } = await freshRealm();
    await changeRealm(target, { webAuthnPolicyPasswordlessRpId: "example.eu" });
    const covered = await checkPasskeyRealm(target, { issuer: "https://auth.example.eu/realms/x" });
    expect(kinds(covered)).not.toContain("rp-id-mismatch");
    const lookalike = await checkPasskeyRealm(target, { issuer: "https://auth.badexample.eu/realms/x" });
    expect(kinds(lookalike)).toContain("rp-id-mismatch");
    // A single label is a public suffix: browsers refuse it as an RP ID.
    await changeRealm(target, { webAuthnPolicyPasswordlessRpId: "eu" });
    const suffix = await checkPasskeyRealm(target, { issuer: "https://auth.example.eu/realms/x" });
    expect(kinds(suffix)).toContain("rp-id-mismatch");
  });
});

describe("preparePasskeys", () => {
  it("the trap: a partial PUT of the passkey switch answers 204 and changes nothing", async () => {
    const { target } = await freshRealm();
    const answer = await target.http.call("PUT", "", { webAuthnPolicyPasswordlessPasskeysEnabled: true });
    expect(answer.status).toBe(204);
    expect((await readRealm(target)).webAuthnPolicyPasswordlessPasskeysEnabled).toBeUndefined();
    // Keycloak reads the passwordless policy only from a request carrying its RP entity name, and then
    // rebuilds all of it from that request: a partial one resets every field it leaves out.
    await changeRealm(target, {
      webAuthnPolicyPasswordlessRpId: "localhost",
      webAuthnPolicyPasswordlessExtraOrigins: ["https://app.example"],
    });
    const partial = await target.http.call("PUT", "", {
      webAuthnPolicyPasswordlessRpEntityName: "keycloak",
      webAuthnPolicyPasswordlessPasskeysEnabled: true,
    });
    expect(partial.status).toBe(204);
    expect(await readRealm(target)).toMatchObject({
      webAuthnPolicyPasswordlessPasskeysEnabled: true,
      webAuthnPolicyPasswordlessRpId: "",
      webAuthnPolicyPasswordlessExtraOrigins: [],
    });
  });

  it("applies the policy (read back), leaves SMTP alone; with SMTP set the realm is ready", async () => {
    const { target, issuer } = await freshRealm();
    const before = await readRealm(target);
    expect(before.smtpServer ?? {}).toEqual({});

    const { changed, check } = await preparePasskeys(target, { issuer });
    expect(changed).toEqual(["webAuthnPolicyPasswordlessRpId", "webAuthnPolicyPasswordlessPasskeysEnabled"]);
    const after = await readRealm(target);
    expect(after).toMatchObject({
      webAuthnPolicyPasswordlessPasskeysEnabled: true,
      webAuthnPolicyPasswordlessRpId: "localhost",
      webAuthnPolicyPasswordlessUserVerificationRequirement: "required",
      webAuthnPolicyPasswordlessResidentKey: "required",
    });
    // Nothing else of the realm changed with the full PUT; SMTP is still unset. Keycloak 26.7.3 writes out
    // a few attributes it had left implicit, each with its default value.
    const untouched = ({ attributes, ...r }: Realm) => {
      const {
        webAuthnPolicyPasswordlessPasskeysEnabled: _p,
        webAuthnPolicyPasswordlessRpId: _r,
        ...rest
      } = r;
      return rest;
    };
    expect(untouched(after)).toEqual(untouched(before));
    expect(after.attributes).toEqual({
      ...(before.attributes as Record<string, string>),
      clientOfflineSessionIdleTimeout: "0",
      clientOfflineSessionMaxLifespan: "0",
      clientSessionIdleTimeout: "0",
      clientSessionMaxLifespan: "0",
      scimApiEnabled: "false",
    });
    expect(kinds(check)).toEqual(["smtp-host", "smtp-from"]);

    await setSmtp(target, SMTP);
    const ready = await checkPasskeyRealm(target, { issuer });
    expect(ready).toMatchObject({ ready: true, rpId: "localhost", problems: [], warnings: [] });
    // Again: nothing left to write.
    expect((await preparePasskeys(target, { issuer })).changed).toEqual([]);
  });

  it("keeps the organisation's SMTP settings, password included, and re-enables the required action", async () => {
    const { target } = await freshRealm();
    await setSmtp(target, { ...SMTP, auth: "true", user: "mailer", password: "smtp-secret" });
    const smtpBefore = (await readRealm(target)).smtpServer;
    // The password is never read back, only masked; a full PUT carrying smtpServer without it would erase it.
    expect(smtpBefore).toMatchObject({ user: "mailer", password: "**********" });
    const actions = "/authentication/required-actions/webauthn-register-passwordless";
    const action = await target.http.get<Record<string, unknown>>(actions);
    expect((await target.http.call("PUT", actions, { ...action, enabled: false })).status).toBe(204);
    await changeRealm(target, { webAuthnPolicyPasswordlessUserVerificationRequirement: "preferred" });

    const { changed, check } = await preparePasskeys(target);
    // Without an issuer the relying-party id stays empty (taken from the request host).
    expect(changed).toEqual([
      "webAuthnPolicyPasswordlessPasskeysEnabled",
      "webAuthnPolicyPasswordlessUserVerificationRequirement",
      "required action webauthn-register-passwordless",
    ]);
    expect(check).toMatchObject({ ready: true, rpId: "" });
    expect(check.warnings.map((w) => w.kind)).toEqual(["rp-id-from-request"]);
    expect((await readRealm(target)).smtpServer).toEqual(smtpBefore);
    expect(await target.http.get<Record<string, unknown>>(actions)).toMatchObject({ enabled: true });
  });

  it("registers the required action again when it was deleted, or lost its alias to a partial PUT", async () => {
    const { target, issuer } = await freshRealm();
    const actions = "/authentication/required-actions/webauthn-register-passwordless";
    const actionProblem = async () =>
      (await checkPasskeyRealm(target, { issuer })).problems.find((p) => p.kind === "required-action");

    expect((await target.http.call("DELETE", actions)).status).toBe(204);
    expect((await actionProblem())?.problem).toContain("is not registered");
    expect((await preparePasskeys(target, { issuer })).changed).toEqual([
      "webAuthnPolicyPasswordlessRpId",
      "webAuthnPolicyPasswordlessPasskeysEnabled",
      "required action webauthn-register-passwordless",
    ]);
    expect(await target.http.get<Record<string, unknown>>(actions)).toMatchObject({ enabled: true });

    // The second trap: a partial PUT of a required action answers 204 and erases its alias and name.
    expect((await target.http.call("PUT", actions, { enabled: true })).status).toBe(204);
    expect((await target.http.call("GET", actions)).status).toBe(404);
    expect((await actionProblem())?.problem).toContain("has lost its alias");
    expect((await preparePasskeys(target, { issuer })).changed).toEqual([
      "required action webauthn-register-passwordless",
    ]);
    expect(await target.http.get<Record<string, unknown>>(actions)).toMatchObject({
      alias: "webauthn-register-passwordless",
      enabled: true,
    });
    expect(await actionProblem()).toBeUndefined();
  });

  it("refuses, writing nothing, a relying-party id that does not cover the host", async () => {
    const { realm, target, issuer } = await freshRealm();
    await changeRealm(target, { webAuthnPolicyPasswordlessRpId: "elsewhere.example" });
    const err = await preparePasskeys(target, { issuer }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdSwitchError);
    expect(err).toMatchObject({ code: "config_invalid", reason: "passkey_rp_id_mismatch" });
    expect((err as Error).message).toContain(`realm "${realm.name}"`);
    expect((err as Error).message).toContain('set Relying party ID to "localhost"');
    const after = await readRealm(target);
    expect(after.webAuthnPolicyPasswordlessPasskeysEnabled).toBeUndefined();
    expect(after.webAuthnPolicyPasswordlessRpId).toBe("elsewhere.example");
  });

  it("needs no realm-management role beyond manage-realm (view-realm removed)", async () => {
    const { realm, target, issuer } = await freshRealm();
    const [account] = await target.http.get<Array<{ id: string }>>(
      "/users?username=service-account-mirror&exact=true",
    );
    const management = await target.clientUuid("realm-management");
    const path = `/users/${account?.id}/role-mappings/clients/${management}`;
    const role = await target.http.get<Record<string, unknown>>(`/clients/${management}/roles/view-realm`);
    expect((await target.http.call("DELETE", path, [role])).status).toBe(204);
    // A new target: a new token, without the role.
    const narrowed = targetOf(realm);
    const { changed } = await preparePasskeys(narrowed, { issuer });
    expect(changed).toContain("webAuthnPolicyPasswordlessPasskeysEnabled");
    expect(kinds(await checkPasskeyRealm(narrowed, { issuer }))).toEqual(["smtp-host", "smtp-from"]);
  });

  it("the login page offers passkeys afterwards, for the pinned relying-party id", async () => {
    const { target, issuer } = await freshRealm();
    const login = async () => {
      const query = new URLSearchParams({
        client_id: "app",
        redirect_uri: REDIRECT_URI,
        response_type: "code",
        scope: "openid",
      });
      const page = await fetch(`${issuer}/protocol/openid-connect/auth?${query}`);
      expect(page.status).toBe(200);
      return page.text();
    };
    expect(await login()).not.toContain('id="webauth"');
    await preparePasskeys(target, { issuer });
    const html = await login();
    expect(html).toContain('id="webauth"');
    expect(html).toMatch(/rpId\s*:\s*"localhost"/);
    expect(html).toMatch(/userVerification\s*:\s*"required"/);
  });
});

describe("idswitch doctor", () => {
  async function doctor(realm: TestRealm, args: string[], onboarding?: Record<string, unknown>) {
    const config = {
      providers: [
        {
          type: "keycloak",
          id: "eu",
          issuer: issuerOf(realm.name),
          clientId: "app",
          clientSecret: { env: "APP_SECRET" },
        },
      ],
      directory: {
        source: {
          tenantId: "00000000-0000-4000-8000-000000000001",
          clientId: "mirror",
          clientSecret: { env: "MIRROR_GRAPH_SECRET" },
        },
        target: {
          url: keycloakUrl(),
          realm: realm.name,
          clientId: "mirror",
          clientSecret: { env: "MIRROR_KC_SECRET" },
        },
        disables: { policy: "hold" },
        ...(onboarding ? { onboarding } : {}),
      },
    };
    const path = join(folder, `${realm.name}-${args.join("")}.json`);
    await writeFile(path, JSON.stringify(config));
    const env = { APP_SECRET: "app-secret", MIRROR_GRAPH_SECRET: "x", MIRROR_KC_SECRET: "mirror-secret" };
    const json: string[] = [];
    const code = await runDoctor({
      args: ["--config", path, "--json", ...args],
      env,
      write: (l) => json.push(l),
    });
    const text: string[] = [];
    await runDoctor({ args: ["--config", path, ...args], env, write: (l) => text.push(l) });
    const report = JSON.parse(json.join("\n")) as {
      passkeys?: {
        verdict: string;
        realm: string;
        required: boolean;
        checks: Array<{ status: string; detail: string }>;
      };
    };
    return { code, passkeys: report.passkeys, text: text.join("\n") };
  }

  const passkeyOnboarding = { requiredActions: ["webauthn-register-passwordless"] };

  it("onboarding asks for passkeys: prints each missing setting with its fix and exits 1", async () => {
    const { realm } = await freshRealm();
    const { code, passkeys, text } = await doctor(realm, [], passkeyOnboarding);
    expect(passkeys).toMatchObject({ verdict: "problem", required: true, realm: issuerOf(realm.name) });
    const problems = passkeys?.checks.filter((c) => c.status === "problem").map((c) => c.detail);
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^realm "${realm.name}", webAuthnPolicyPasswordlessPasskeysEnabled: .*Fix: turn on Enable passkeys`,
        ),
      ),
      expect.stringMatching(/smtpServer\.host: .*Fix: set the organisation's SMTP server/),
      expect.stringMatching(/smtpServer\.from: .*Invalid sender address 'null'.*Fix: set From/),
    ]);
    expect(code).toBe(1);
    // The realm's issuer, http in dev mode and https in production mode.
    expect(text).toContain(`✘ passkeys  ${issuerOf(realm.name)}  required  → problem`);
    expect(text).toMatch(/✘ passkeys {2}realm "[^"]+", smtpServer\.from/);
    expect(text).toContain("Problems with: passkeys.");
  });

  it("--passkeys makes them problems too; without either they are warnings and the exit code is 0", async () => {
    const { realm } = await freshRealm();
    const forced = await doctor(realm, ["--passkeys"]);
    expect(forced.passkeys).toMatchObject({ verdict: "problem", required: true });
    expect(forced.code).toBe(1);
    const relaxed = await doctor(realm, []);
    expect(relaxed.passkeys).toMatchObject({ verdict: "warning", required: false });
    expect(relaxed.passkeys?.checks.at(-1)?.detail).toMatch(/--passkeys makes these problems/);
    expect(relaxed.code).toBe(0);
    expect(relaxed.text).toContain("Every provider is ready.");
  });

  it("a prepared realm with SMTP: ready, exit 0", async () => {
    const { realm, target, issuer } = await freshRealm();
    await preparePasskeys(target, { issuer });
    await setSmtp(target, SMTP);
    const { code, passkeys, text } = await doctor(realm, ["--passkeys"]);
    expect(passkeys).toMatchObject({ verdict: "ok", required: true });
    expect(passkeys?.checks).toEqual([
      {
        check: "passkeys",
        status: "ok",
        detail: expect.stringContaining('relying-party id "localhost" for localhost'),
      },
    ]);
    expect(code).toBe(0);
    expect(text).toMatch(/✔ passkeys {2}.*ready: passkeys enabled/);
  });
});
