/**
 * Readiness by credential against the real Keycloak: people mirrored from the
 * Entra emulator, then given real credentials through Keycloak's own admin
 * API — a password (reset-password), an OTP and a passkey (a user imported
 * with the credential, partialImport: the admin API creates no other kind),
 * a link to an identity provider (federated-identity) — and invited in the
 * StateStore under the onboarding campaign's key. The report reads them back
 * through `GET …/users/{id}/credentials` and `…/federated-identity`; the CLI
 * prints the same, as JSON and as a web page.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FileStateStore } from "../../../src/cli/file-state.js";
import { main } from "../../../src/cli/main.js";
import {
  formatReadiness,
  type KeycloakTarget,
  mirror,
  type ReadinessReport,
  readiness,
} from "../../../src/directory/index.js";
import { keycloakUrl } from "../../support/keycloak-env.js";
import {
  type Directory,
  directoryConfig,
  generatedDirectory,
  mirrorRealm,
  sourceOf,
  type TestRealm,
  targetOf,
} from "./support.js";

const IDP = "partner-idp";
const DOMAIN = "contoso.example";

let dir: Directory;
let realm: TestRealm;
let target: KeycloakTarget;
let folder: string;
let statePath: string;
let config: string;
const key = (i: number) => `${dir.tenantId}:${dir.users[i]?.oid}`;

/** A master-realm admin token, for what the mirror's service account may not do (identity providers). */
async function masterToken(): Promise<string> {
  const { username, password } = inject("keycloakAdmin");
  const answer = await fetch(`${keycloakUrl()}/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "password", client_id: "admin-cli", username, password }),
  });
  if (!answer.ok) throw new Error(`master token: HTTP ${answer.status}`);
  return ((await answer.json()) as { access_token: string }).access_token;
}

async function asMaster(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${keycloakUrl()}/admin/realms/${realm.name}${path}`, {
    method,
    headers: { authorization: `Bearer ${await masterToken()}`, "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
}

/** Keycloak's id of the mirrored person `i`. */
async function accountOf(i: number): Promise<string> {
  const account = await target.findUser(key(i));
  if (!account) throw new Error(`person ${i} is not mirrored`);
  return account.id;
}

/**
 * Person `i` again, imported with `credentials`: partialImport OVERWRITE re-creates the user (a new id),
 * so the key attribute and the group go in with them.
 */
async function importWith(i: number, credentials: unknown[]): Promise<void> {
  const user = dir.users[i];
  if (!user) throw new Error(`no person ${i}`);
  const answer = await target.http.call("POST", "/partialImport", {
    ifResourceExists: "OVERWRITE",
    users: [
      {
        username: user.upn,
        email: user.upn,
        emailVerified: true,
        enabled: true,
        firstName: `Given${i}`,
        lastName: `Sur${i}`,
        attributes: { entra_id: [key(i)] },
        groups: ["/Team 0"], // the one group of the generated directory, as the mirror named it
        credentials,
      },
    ],
  });
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  expect(answer.json).toMatchObject({ overwritten: 1 });
}

const OTP = {
  type: "otp",
  userLabel: "phone",
  secretData: JSON.stringify({ value: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" }),
  credentialData: JSON.stringify({
    subType: "totp",
    digits: 6,
    counter: 0,
    period: 30,
    algorithm: "HmacSHA1",
  }),
};

/** A fresh P-256 public key as a COSE_Key (RFC 9053 §7.1.1, EC2/ES256), as a WebAuthn authenticator registers it. */
function coseP256(): string {
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
  const x = Buffer.from(String(jwk.x), "base64url");
  const y = Buffer.from(String(jwk.y), "base64url");
  // {1: 2 (kty EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
  const head = Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]);
  return Buffer.concat([head, x, Buffer.from([0x22, 0x58, 0x20]), y]).toString("base64");
}

const PASSKEY = {
  type: "webauthn-passwordless",
  userLabel: "laptop",
  secretData: "{}",
  credentialData: JSON.stringify({
    aaguid: "00000000-0000-0000-0000-000000000000",
    credentialId: "AQIDBAUGBwgJCgsMDQ4PEA",
    counter: 0,
    attestationStatementFormat: "none",
    credentialPublicKey: coseP256(),
    transports: ["internal"],
  }),
};

beforeAll(async () => {
  dir = await generatedDirectory(7, 1);
  realm = await mirrorRealm();
  target = targetOf(realm);
  folder = await mkdtemp(join(tmpdir(), "idswitch-readiness-"));
  statePath = join(folder, "mirror-state.json");
  const state = await FileStateStore.open(statePath);
  // One disable in seven is over the brake's default share: confirmed, as an operator would.
  const run = () =>
    mirror({ source: sourceOf(dir), target: targetOf(realm), state, policy: "propagate" }).apply({
      confirmDisables: true,
    });
  expect((await run()).status).toBe("done");

  // 0: a password.   1: an OTP and a password.   2: a passkey and a password.   3: a linked identity provider.
  // 4: nothing, invited.   5: a password, invited.   6: disabled at Entra, nothing.
  const reset = await target.http.call("PUT", `/users/${await accountOf(0)}/reset-password`, {
    type: "password",
    value: "pw-0-readiness",
    temporary: false,
  });
  expect(reset.status).toBe(204);
  await importWith(1, [{ type: "password", value: "pw-1-readiness", temporary: false }, OTP]);
  await importWith(2, [{ type: "password", value: "pw-2-readiness", temporary: false }, PASSKEY]);
  const idp = await asMaster("POST", "/identity-provider/instances", {
    alias: IDP,
    providerId: "oidc",
    enabled: true,
    config: {
      clientId: "idswitch-test",
      clientSecret: "idswitch-test-secret",
      authorizationUrl: "https://partner.example/authorize",
      tokenUrl: "https://partner.example/token",
      clientAuthMethod: "client_secret_post",
    },
  });
  expect(idp.status).toBe(201);
  const link = await target.http.call("POST", `/users/${await accountOf(3)}/federated-identity/${IDP}`, {
    identityProvider: IDP,
    userId: "partner-subject-3",
    userName: dir.users[3]?.upn,
  });
  expect(link.status).toBe(204);
  const reset5 = await target.http.call("PUT", `/users/${await accountOf(5)}/reset-password`, {
    type: "password",
    value: "pw-5-readiness",
    temporary: false,
  });
  expect(reset5.status).toBe(204);
  await state.set("idswitch:onboard:default:invited", {
    [key(4)]: { invitedAt: "2026-12-01T09:00:00.000Z", reminders: 1, lastSentAt: "2026-12-02T09:00:00.000Z" },
    [key(5)]: { invitedAt: "2026-12-01T09:00:00.000Z", reminders: 0, lastSentAt: "2026-12-01T09:00:00.000Z" },
  });
  dir.entra.setUserState(dir.users[6]?.oid ?? "", "disabled");
  // The mirror copies the disable of person 6; people 1 and 2 are found by key under their new ids.
  expect((await run()).status).toBe("done");
  await state.close();

  config = join(folder, "idswitch.config.json");
  await writeFile(
    config,
    JSON.stringify({
      directory: directoryConfig(dir, realm, { policy: "propagate", state: { file: "mirror-state.json" } }),
    }),
  );
});

afterAll(async () => {
  if (realm) await asMaster("DELETE", `/identity-provider/instances/${IDP}`);
  await realm?.delete();
  await dir?.entra.close();
});

async function report(): Promise<ReadinessReport> {
  const state = await FileStateStore.open(statePath, { readOnly: true });
  return readiness({ source: sourceOf(dir), target, state, recoveryAtRisk: [DOMAIN] });
}

describe("readiness by credential, against Keycloak", () => {
  it("each person's kinds, read from Keycloak's credentials and federated identities", async () => {
    const r = await report();
    const byKey = new Map(r.people.map((p) => [p.key, p]));
    const kinds = dir.users.map((_, i) => byKey.get(key(i))?.kinds);
    expect(kinds).toEqual([
      ["password"],
      ["otp", "password"],
      ["passkey", "password"],
      ["brokered"],
      ["none"],
      ["password"],
      ["none"],
    ]);
    expect(r.credentials).toEqual({ passkey: 1, otp: 1, password: 2, brokered: 1, other: 0, none: 2 });
    expect(r.totals).toMatchObject({
      users: 7,
      ready: 5,
      notReady: 2,
      "no-credential": 2,
      "groups-differ": 0,
    });
  });

  it("the funnel: enabled at Entra → mirrored → invited → registered", async () => {
    const r = await report();
    expect(r.funnel).toEqual({ people: 6, mirrored: 6, invited: 2, registered: 5, invitedRegistered: 1 });
    expect(r.people.find((p) => p.key === key(4))?.invited).toEqual({
      invitedAt: "2026-12-01T09:00:00.000Z",
      reminders: 1,
    });
  });

  it("recovery at risk: the people enabled at Entra whose only way back is their mailbox", async () => {
    const r = await report();
    expect(r.recoveryAtRisk.map((p) => [p.key, p.kind, p.domain])).toEqual([
      [key(0), "password", DOMAIN],
      [key(4), "none", DOMAIN],
      [key(5), "password", DOMAIN],
    ]);
    expect(formatReadiness(r)).toContain("Recovery at risk: 3 people");
  });

  it("idswitch readiness --json --html --recovery-at-risk: the same report, and a page that loads nothing", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const page = join(folder, "report.html");
    const code = await main(
      ["readiness", "--config", config, "--json", "--html", page, "--recovery-at-risk", DOMAIN],
      {
        env: { MIRROR_GRAPH_SECRET: "mirror-secret", MIRROR_KC_SECRET: "mirror-secret" },
        write: (line) => out.push(line),
        stderr: { write: (text) => err.push(text), isTTY: false },
      },
    );
    // Person 4 has no credential and is enabled at Entra: not ready, exit 1 as before.
    expect(code, err.join("")).toBe(1);
    const json = JSON.parse(out.join("\n")) as ReadinessReport;
    expect(json.funnel).toEqual({ people: 6, mirrored: 6, invited: 2, registered: 5, invitedRegistered: 1 });
    expect(json.people.find((p) => p.key === key(2))?.kinds).toEqual(["passkey", "password"]);
    expect(json.recoveryAtRisk).toHaveLength(3);
    expect(err.join("")).toContain(`the web page is in ${page}`);
    const html = await readFile(page, "utf8");
    expect(html).toContain("<b>5</b> of 6 people enabled at Entra could sign in at Keycloak today.");
    expect(html).not.toMatch(/<script|\s(src|href)=|url\(|https?:/i);
  });
});
