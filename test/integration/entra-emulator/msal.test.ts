// HTTPS on request, and Microsoft's own client library against the emulator: @azure/msal-node,
// unmodified but for its authority settings, in a child process that trusts the emulator's CA through
// NODE_EXTRA_CA_CERTS. Client credentials, the authorization code flow through the emulator's sign-in
// page, and what MSAL makes of a disabled user's refresh (docs/reference/entra-id.md §6.3, §6.4).
import { type ChildProcess, fork } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";
import { signInThroughSignInPage } from "../../support/entra-login.js";
import { fetchTrusting } from "../../support/https-fetch.js";

const REDIRECT = "http://localhost:3000/callback";
let entra: EntraEmulator;
let folder: string;
let agent: MsalAgent;
let ids: { tenant: string; api: string; apiUri: string; web: string; user: string };

beforeAll(async () => {
  entra = await createEntraEmulator({ https: true });
  const tenant = entra.addTenant({ domain: "contoso.example" });
  const api = entra.addApp({
    tenantId: tenant.id,
    displayName: "api",
    accessTokenVersion: 2,
    appRoles: ["Data.Read"],
  });
  const web = entra.addApp({
    tenantId: tenant.id,
    displayName: "web",
    secret: "web-secret",
    redirectUris: [REDIRECT],
  });
  entra.grantAppRoles(web.clientId, api.clientId, ["Data.Read"]);
  const user = entra.addUser({
    tenantId: tenant.id,
    userPrincipalName: "ada@contoso.example",
    password: "pw",
  });
  ids = {
    tenant: tenant.id,
    api: api.clientId,
    apiUri: api.identifierUri,
    web: web.clientId,
    user: user.oid,
  };
  folder = await mkdtemp(join(tmpdir(), "idswitch-msal-"));
  const caFile = join(folder, "ca.pem");
  await writeFile(caFile, entra.caCertificate ?? "");
  agent = await startAgent(caFile, {
    authority: entra.authority(tenant.id),
    clientId: web.clientId,
    clientSecret: "web-secret",
  });
}, 30_000);

afterAll(async () => {
  agent?.stop();
  await entra?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe("@azure/msal-node against the emulator", () => {
  it("acquireTokenByClientCredential", async () => {
    const result = await agent.call("clientCredentials", { scopes: [`${ids.apiUri}/.default`] });
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.result.tokenType).toBe("Bearer");
    expect(decodeJwt(result.result.accessToken)).toMatchObject({
      aud: ids.api,
      roles: ["Data.Read"],
      idtyp: "app",
      tid: ids.tenant,
    });
    const fetched = await agent.call("fetched", {});
    expect(fetched.result.length).toBeGreaterThan(0);
    expect(fetched.result.filter((url: string) => !url.startsWith(`${entra.url}/`))).toEqual([]); // no instance discovery
    const paths = entra.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toContain(`GET /${ids.tenant}/v2.0/.well-known/openid-configuration`);
    expect(paths).toContain(`POST /${ids.tenant}/oauth2/v2.0/token`);
  });

  it("the authorization code flow: getAuthCodeUrl → the emulator's sign-in page → acquireTokenByCode", async () => {
    const scopes = ["openid", "profile", "offline_access", `${ids.apiUri}/access_as_user`];
    const url = await agent.call("authCodeUrl", { scopes, redirectUri: REDIRECT, state: "st-1" });
    expect(url.ok, JSON.stringify(url)).toBe(true);
    expect(new URL(url.result).origin).toBe(entra.url);
    const outcome = await signInThroughSignInPage(
      url.result,
      { username: "ada@contoso.example", password: "pw" },
      { redirectUriPrefix: REDIRECT, fetch: fetchTrusting(entra.caCertificate ?? "") },
    );
    if (!("callbackUrl" in outcome)) throw new Error(outcome.error);
    const callback = new URL(outcome.callbackUrl).searchParams;
    expect(callback.get("state")).toBe("st-1");
    const tokens = await agent.call("byCode", { code: callback.get("code"), scopes, redirectUri: REDIRECT });
    expect(tokens.ok, JSON.stringify(tokens)).toBe(true);
    expect(tokens.result.account).toMatchObject({
      homeAccountId: `${ids.user}.${ids.tenant}`, // from client_info: uid.utid
      tenantId: ids.tenant,
      username: "ada@contoso.example",
    });
    expect(tokens.result.idTokenClaims).toMatchObject({ oid: ids.user, tid: ids.tenant });
    expect(decodeJwt(tokens.result.accessToken)).toMatchObject({ aud: ids.api, scp: "access_as_user" });

    const refreshed = await agent.call("silentRefresh", { scopes });
    expect(refreshed.ok, JSON.stringify(refreshed)).toBe(true);
    expect(refreshed.result.fromCache).toBe(false);
  });

  it("a disabled user's refresh: what MSAL itself makes of AADSTS50057", async () => {
    entra.setUserState(ids.user, "disabled");
    const scopes = ["openid", "profile", "offline_access", `${ids.apiUri}/access_as_user`];
    const refused = await agent.call("silentRefresh", { scopes });
    expect(refused.ok).toBe(false);
    // Recorded from msal-node 7.2.3 (msal-common 16.17.0): a bare invalid_grant without suberror is not
    // in msal-common's interaction-required lists (docs/reference/entra-id.md §6.3), so MSAL surfaces a plain ServerError —
    // not InteractionRequiredAuthError; msal-node has no `classification` (MSAL.NET and Python do).
    expect(refused.error).toMatchObject({
      className: "ServerError",
      name: "ServerError",
      errorCode: "invalid_grant",
      subError: "",
      errorNo: 50057,
    });
    expect(refused.error).not.toHaveProperty("classification");
    // MSAL rewrites the body into one line: codes, timestamp, description, correlation and trace ids.
    expect(refused.error.errorMessage).toMatch(
      /^Error\(s\): 50057 - Timestamp: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z - Description: AADSTS50057: The user account is disabled\. Trace ID: [0-9a-f-]{36} Correlation ID: ([0-9a-f-]{36}) .* - Correlation ID: \1 - Trace ID: [0-9a-f-]{36}$/,
    );
    expect(refused.error.correlationId).toBe(
      /Correlation ID: ([0-9a-f-]{36})/.exec(refused.error.errorMessage)?.[1],
    );
  });

  it("a deleted user's refresh (50034 + suberror bad_token): MSAL says interaction required", async () => {
    entra.setUserState(ids.user, "deleted");
    const scopes = ["openid", "profile", "offline_access", `${ids.apiUri}/access_as_user`];
    const refused = await agent.call("silentRefresh", { scopes });
    expect(refused.error).toMatchObject({
      className: "InteractionRequiredAuthError",
      errorCode: "invalid_grant",
      subError: "bad_token",
      errorNo: 50034,
    });
  });
});

// ---- the MSAL child process -----------------------------------------------------------------------

interface AgentAnswer {
  ok: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: MSAL's results and errors, inspected field by field
  result?: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  error?: any;
}

interface MsalAgent {
  call(op: string, args: Record<string, unknown>): Promise<AgentAnswer>;
  stop(): void;
}

async function startAgent(caFile: string, config: Record<string, string>): Promise<MsalAgent> {
  const child: ChildProcess = fork(new URL("./msal-agent.mjs", import.meta.url), {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, MSAL_AGENT_CONFIG: JSON.stringify(config) },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const pending = new Map<number, (answer: AgentAnswer) => void>();
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`MSAL agent exited (${code}): ${stderr}`)));
    child.on("message", (message: { id?: number; ready?: boolean } & AgentAnswer) => {
      if (message.ready) resolve();
      else if (message.id !== undefined) pending.get(message.id)?.(message);
    });
  });
  return {
    call(op, args) {
      const id = next++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        child.send({ id, op, ...args });
      });
    },
    stop: () => child.kill(),
  };
}
