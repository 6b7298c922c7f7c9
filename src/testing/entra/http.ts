/**
 * HTTP plumbing shared by the endpoints: the per-request context, replies as
 * data (so faults can rewrite them before anything is written), Entra's
 * response headers (docs/reference/entra-id.md §1.7) and the .NET URL encoding its redirects use.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { GUID, guid } from "./ids.js";

export interface RequestContext {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  /** The form body of a POST (empty otherwise). */
  readonly form: URLSearchParams;
  /** The raw body of a POST (Graph's JSON bodies: `getMemberGroups`, `$batch`). */
  readonly body: string;
  readonly cookies: ReadonlyMap<string, string>;
  /** `x-ms-request-id` = `trace_id` of errors (§1.7, §6.1). */
  readonly requestId: string;
  /** `correlation_id`: the client's `client-request-id` when it sent one (§6.1). */
  correlationId: string;
  readonly clientSentCorrelationId: boolean;
  readonly now: number;
  readonly remoteAddress: string;
}

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: string;
}

const MAX_BODY = 1_000_000;

export async function readContext(request: IncomingMessage, now: number): Promise<RequestContext> {
  const url = new URL(request.url ?? "/", "http://emulator.invalid");
  const body = request.method === "POST" ? await readBody(request) : "";
  const sent = headerValue(request.headers, "client-request-id");
  const clientSent = sent !== undefined && GUID.test(sent);
  return {
    method: request.method ?? "GET",
    url,
    headers: request.headers,
    form: new URLSearchParams(body),
    body,
    cookies: parseCookies(headerValue(request.headers, "cookie") ?? ""),
    requestId: guid(),
    correlationId: clientSent ? sent : guid(),
    clientSentCorrelationId: clientSent,
    now,
    remoteAddress: request.socket.remoteAddress ?? "127.0.0.1",
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY) break;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseCookies(header: string): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

/** A parameter of the query (GET) or the form body (POST), as the authorize endpoint accepts both. */
export function param(ctx: RequestContext, name: string): string | undefined {
  return ctx.form.get(name) ?? ctx.url.searchParams.get(name) ?? undefined;
}

// ---- headers (§1.7) ----------------------------------------------------------------------------

const ESTS_SERVER = "2.1.21874.7 - WEULR1 ProdSlices";

function common(ctx: RequestContext): Record<string, string> {
  const headers: Record<string, string> = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "x-ms-request-id": ctx.requestId,
    "x-ms-ests-server": ESTS_SERVER,
  };
  if (ctx.clientSentCorrelationId) headers["client-request-id"] = ctx.correlationId;
  return headers;
}

/** Discovery, instance discovery and JWKS: cacheable for a day, open to browsers. */
export function metadataHeaders(ctx: RequestContext): Record<string, string> {
  return {
    "Cache-Control": "max-age=86400, private",
    "Content-Type": "application/json; charset=utf-8",
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    ...common(ctx),
  };
}

/**
 * Token and device-code endpoints, success and error. `x-ms-clitelem` is
 * `1,<AADSTS or 0>,0,<refresh-token age in seconds or empty>,`.
 */
export function tokenHeaders(
  ctx: RequestContext,
  aadsts = 0,
  refreshTokenAgeMs?: number,
): Record<string, string> {
  const age = refreshTokenAgeMs === undefined ? "" : (refreshTokenAgeMs / 1000).toFixed(4);
  return {
    "Cache-Control": "no-store, no-cache",
    Pragma: "no-cache",
    Expires: "-1",
    "Content-Type": "application/json; charset=utf-8",
    ...common(ctx),
    "x-ms-clitelem": `1,${aadsts},0,${age},`,
  };
}

export function pageHeaders(ctx: RequestContext): Record<string, string> {
  return {
    "Cache-Control": "no-store, no-cache",
    Pragma: "no-cache",
    Expires: "-1",
    "Content-Type": "text/html; charset=utf-8",
    ...common(ctx),
  };
}

export function json(status: number, body: unknown, headers: Record<string, string>): Reply {
  return { status, headers, body: JSON.stringify(body) };
}

export function html(
  status: number,
  body: string,
  ctx: RequestContext,
  extra: Record<string, string | string[]> = {},
): Reply {
  return { status, headers: { ...pageHeaders(ctx), ...extra }, body };
}

export function redirect(
  location: string,
  ctx: RequestContext,
  extra: Record<string, string | string[]> = {},
): Reply {
  const { "Content-Type": _type, ...headers } = pageHeaders(ctx);
  return { status: 302, headers: { ...headers, ...extra, Location: location }, body: "" };
}

// ---- URL encoding -------------------------------------------------------------------------------

/**
 * .NET `HttpUtility.UrlEncode`: `+` for spaces and lower-case `%xx`, `!*()`
 * left alone — what Entra's redirects look like (§2.3:
 * `AADSTS50105%3a+The+signed+in+user+%27%7bEmailHidden%7d%27…`).
 */
export function dotnetUrlEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[~']/g, (c) => `%${c.charCodeAt(0).toString(16)}`)
    .replace(/%20/g, "+")
    .replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
}

export function dotnetQuery(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([key, value]) => `${dotnetUrlEncode(key)}=${dotnetUrlEncode(value)}`).join("&");
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
