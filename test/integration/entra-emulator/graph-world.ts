/**
 * Microsoft Graph helpers for the emulator's fidelity tests: a mirror app
 * with Graph application permissions, its app-only token, and GETs/POSTs
 * against `${entra.graphUrl}/v1.0`.
 */
import { answer, type HttpAnswer, postForm, tokenUrl, type World } from "./world.js";

export const MIRROR_PERMISSIONS = ["User.Read.All", "GroupMember.Read.All", "Application.Read.All"];

/** An app with a secret and the given Graph permissions (admin-consented). */
export function addGraphClient(world: World, permissions: readonly string[] = MIRROR_PERMISSIONS) {
  const app = world.entra.addApp({
    tenantId: world.tenant.id,
    displayName: "mirror",
    secret: "mirror-secret",
  });
  if (permissions.length > 0) world.entra.grantGraphPermissions(app.clientId, permissions);
  return app;
}

/** Client credentials for `https://graph.microsoft.com/.default` (§11.7). */
export async function graphToken(world: World, clientId: string, secret = "mirror-secret"): Promise<string> {
  const result = await postForm(tokenUrl(world), {
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: secret,
    scope: "https://graph.microsoft.com/.default",
  });
  if (result.status !== 200) throw new Error(`Graph token refused: ${result.text}`);
  return result.json.access_token;
}

/** `path` relative to `/v1.0`, or a full URL (a nextLink, a deltaLink). */
export function graphUrl(world: World, path: string): string {
  return path.startsWith("http") ? path : `${world.entra.graphUrl}/v1.0${path}`;
}

export async function graphGet(
  world: World,
  token: string | undefined,
  path: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const authorization: Record<string, string> =
    token === undefined ? {} : { authorization: `Bearer ${token}` };
  return answer(
    await fetch(graphUrl(world, path), { headers: { ...authorization, ...headers }, redirect: "manual" }),
  );
}

export async function graphPost(
  world: World,
  token: string,
  path: string,
  body: unknown,
): Promise<HttpAnswer> {
  return answer(
    await fetch(graphUrl(world, path), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
}

/** Every item of a paged collection, following `@odata.nextLink` verbatim (§11.2); also the pages. */
export async function allPages(world: World, token: string, path: string) {
  const pages: HttpAnswer[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: Graph JSON, inspected field by field
  const items: any[] = [];
  let next: string | undefined = path;
  while (next !== undefined) {
    const page = await graphGet(world, token, next);
    if (page.status !== 200) throw new Error(`page failed: ${page.status} ${page.text}`);
    pages.push(page);
    items.push(...page.json.value);
    next = page.json["@odata.nextLink"];
  }
  return { pages, items };
}

/** §11.1: `{"error":{"code","message","innerError":{date, request-id, client-request-id}}}`. */
// biome-ignore lint/suspicious/noExplicitAny: vitest's expect
export function expectGraphError(expect: any, result: HttpAnswer, status: number, code: string) {
  expect({ status: result.status, code: result.json?.error?.code }).toEqual({ status, code });
  const error = result.json.error;
  expect(Object.keys(error)).toEqual(["code", "message", "innerError"]);
  expect(Object.keys(error.innerError)).toEqual(["date", "request-id", "client-request-id"]);
  expect(error.innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  expect(result.headers.get("request-id")).toBe(error.innerError["request-id"]);
  return error;
}
