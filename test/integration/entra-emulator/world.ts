/**
 * A small Entra world for the emulator's fidelity tests: one tenant with a
 * v1 API, a v2 API, a confidential web app, a daemon, a public client and a
 * user — plus helpers to talk to the emulator over plain HTTP.
 */
import { createHash, randomBytes } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { createEntraEmulator, type EntraEmulatorOptions } from "../../../src/testing/index.js";
import { signInThroughSignInPage } from "../../support/entra-login.js";

export const REDIRECT_URI = "http://localhost:3000/callback";
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function startWorld(options: EntraEmulatorOptions = {}) {
  const entra = await createEntraEmulator(options);
  const tenant = entra.addTenant({ domain: "contoso.example", regionScope: "EU" });
  const apiV1 = entra.addApp({ tenantId: tenant.id, displayName: "legacy-api", appRoles: ["Orders.Read"] });
  const apiV2 = entra.addApp({
    tenantId: tenant.id,
    displayName: "orders-api",
    accessTokenVersion: 2,
    appRoles: ["Orders.Read", "Orders.Write"],
    groupMembershipClaims: "SecurityGroup",
  });
  const web = entra.addApp({
    tenantId: tenant.id,
    displayName: "web",
    secret: "web-secret",
    redirectUris: [REDIRECT_URI],
    groupMembershipClaims: "SecurityGroup",
  });
  const daemon = entra.addApp({ tenantId: tenant.id, displayName: "daemon", secret: "daemon-secret" });
  const cli = entra.addApp({
    tenantId: tenant.id,
    displayName: "cli",
    publicClient: true,
    redirectUris: ["http://localhost"],
  });
  const password = "Passw0rd!";
  const user = entra.addUser({
    tenantId: tenant.id,
    userPrincipalName: "ada@contoso.example",
    password,
    displayName: "Ada Lovelace",
    givenName: "Ada",
    surname: "Lovelace",
    mail: "ada@contoso.example",
    groups: ["5f3c1a2e-0000-4000-8000-000000000001"],
    appRoles: { [apiV2.clientId]: ["Orders.Write"] },
  });
  return { entra, tenant, apiV1, apiV2, web, daemon, cli, user, password };
}

export type World = Awaited<ReturnType<typeof startWorld>>;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON of the emulator, inspected field by field
  json: any;
}

export async function answer(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return answer(await fetch(url, { headers, redirect: "manual" }));
}

export async function postForm(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return answer(
    await fetch(url, { method: "POST", body: new URLSearchParams(params), headers, redirect: "manual" }),
  );
}

export function tokenUrl(world: World, tenant = world.tenant.id): string {
  return `${world.entra.authority(tenant)}/oauth2/v2.0/token`;
}

export function pkcePair(method: "S256" | "plain" = "S256") {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
  return { verifier, challenge, method };
}

export function authorizeUrl(world: World, params: Record<string, string>, tenant = world.tenant.id): string {
  const url = new URL(`${world.entra.authority(tenant)}/oauth2/v2.0/authorize`);
  const defaults = {
    client_id: world.web.clientId,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    scope: `openid profile email offline_access ${world.apiV2.identifierUri}/access_as_user`,
    state: "st-123",
    nonce: "n-456",
  };
  for (const [key, value] of Object.entries({ ...defaults, ...params })) url.searchParams.set(key, value);
  return url.href;
}

/** Sign-in through the page; returns the callback's parameters (throws if the page refused). */
export async function signIn(
  world: World,
  params: Record<string, string> = {},
  credentials = { username: world.user.userPrincipalName, password: world.password },
  tenant = world.tenant.id,
): Promise<URLSearchParams> {
  const outcome = await signInThroughSignInPage(authorizeUrl(world, params, tenant), credentials, {
    redirectUriPrefix: params.redirect_uri ?? REDIRECT_URI,
  });
  if (!("callbackUrl" in outcome)) throw new Error(`sign-in refused: ${outcome.error}`);
  return new URL(outcome.callbackUrl).searchParams;
}

/** Authorization code flow end to end with PKCE; returns the token response. */
export async function codeFlow(
  world: World,
  params: Record<string, string> = {},
  tenant = world.tenant.id,
): Promise<HttpAnswer> {
  const pkce = pkcePair();
  const callback = await signIn(
    world,
    { code_challenge: pkce.challenge, code_challenge_method: "S256", ...params },
    undefined,
    tenant,
  );
  const code = callback.get("code");
  if (!code) throw new Error(`no code: ${callback}`);
  return postForm(tokenUrl(world, tenant), {
    grant_type: "authorization_code",
    client_id: world.web.clientId,
    client_secret: "web-secret",
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: pkce.verifier,
  });
}

export function claimsOf(jwt: string) {
  return { header: decodeProtectedHeader(jwt), claims: decodeJwt(jwt) };
}

/** §6.1: `AADSTS<code>: <text> Trace ID: <guid> Correlation ID: <guid> Timestamp: YYYY-MM-DD HH:MM:SSZ` */
export const DESCRIPTION_SPACES =
  /^AADSTS(\d+): .+ Trace ID: ([0-9a-f-]{36}) Correlation ID: ([0-9a-f-]{36}) Timestamp: (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z)$/s;

/** Asserts the full §6.1 error shape and returns the body. */
export function expectEntraError(
  // biome-ignore lint/suspicious/noExplicitAny: see HttpAnswer
  expect: any,
  result: HttpAnswer,
  status: number,
  error: string,
  code: number,
) {
  expect({ status: result.status, error: result.json?.error, codes: result.json?.error_codes }).toEqual({
    status,
    error,
    codes: [code],
  });
  const body = result.json;
  const match = DESCRIPTION_SPACES.exec(body.error_description);
  expect(match, body.error_description).not.toBeNull();
  expect(match?.[1]).toBe(String(code));
  expect(match?.[2]).toBe(body.trace_id);
  expect(match?.[3]).toBe(body.correlation_id);
  expect(match?.[4]).toBe(body.timestamp);
  expect(result.headers.get("x-ms-request-id")).toBe(body.trace_id);
  return body;
}
