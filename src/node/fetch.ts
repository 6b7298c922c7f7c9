/// <reference types="node" />
/**
 * A `fetch` on node:http / node:https that can see the connect phase, which a
 * web fetch cannot: from the socket's creation (DNS lookup included) to
 * `connect` (plain) or `secureConnect` (TLS handshake done). It behaves as
 * fetch for everything the library sends (openid-client / oauth4webapi, jose,
 * the library's own calls): a method, headers as `Headers` or a record, a body
 * as string, `URLSearchParams`, bytes, `Blob` or `FormData`, `redirect` and
 * `signal`; it answers with a real global `Response` whose body streams.
 */
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from "node:http";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { FetchLike } from "idswitch";

/**
 * The member of a fetch's `init` that carries the connect budget of that one request, in milliseconds
 * (and the property by which a fetch declares it honours it). The same registered symbol as the root
 * entry's, so `createRuntime({ fetch: nodeFetch(), connectTimeoutMs })` sets it on every request; a web
 * fetch ignores it.
 *
 * @example
 * import { CONNECT_TIMEOUT_MS, nodeFetch } from "idswitch/node";
 *
 * const fetch = nodeFetch();
 * // One request with its own connect budget (a web fetch would ignore the member).
 * const init = { [CONNECT_TIMEOUT_MS]: 250 } as RequestInit;
 * const answer = await fetch("https://auth.example.eu/realms/acme/.well-known/openid-configuration", init);
 */
export const CONNECT_TIMEOUT_MS: unique symbol = Symbol.for("idswitch.connectTimeoutMs");

/**
 * Default connect budget of {@link nodeFetch}, in milliseconds: 2 s. A healthy connect is a round trip
 * or three (DNS, TCP, TLS 1.3: well under a second even across an ocean); a refused one fails in about a
 * millisecond and never waits for this budget. 2 s and not 1 s:
 * Linux resends a lost SYN after 1 s, so a budget of 1 s fails a healthy but lossy path on its first dropped
 * packet; 2 s survives one loss plus a distant handshake and still frees the caller of a dead host 5–60×
 * sooner than a response budget or the OS (which keeps resending SYNs for about two minutes).
 *
 * @example
 * import { DEFAULT_CONNECT_TIMEOUT_MS, nodeFetch } from "idswitch/node";
 *
 * const patient = nodeFetch({ connectTimeoutMs: 2 * DEFAULT_CONNECT_TIMEOUT_MS }); // a satellite link
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;

/**
 * Options of {@link nodeFetch}.
 *
 * @example
 * import { readFileSync } from "node:fs";
 * import { nodeFetch } from "idswitch/node";
 *
 * const fetch = nodeFetch({ connectTimeoutMs: 1_000, ca: readFileSync("/etc/pki/corp-root.pem", "utf8") });
 */
export interface NodeFetchOptions {
  /**
   * Connect budget of a new connection (DNS, TCP, TLS handshake), in milliseconds, when the request does
   * not carry its own (`runtime.connectTimeoutMs` sets one on every request); default
   * {@link DEFAULT_CONNECT_TIMEOUT_MS}. A connection reused from the pool has nothing left to connect.
   */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * Certificate authorities to trust for HTTPS, PEM. As Node's own `ca`, it *replaces* the default set
   * (Mozilla's roots and `NODE_EXTRA_CA_CERTS`); to add one, pass `[...tls.rootCertificates, mine]`.
   * Without it, Node's defaults apply, `NODE_EXTRA_CA_CERTS` included.
   */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer> | undefined;
  /** Keep connections open between requests (default `true`): a warm connection has no connect phase at all. */
  readonly keepAlive?: boolean | undefined;
  /** Connections at once per origin; default unlimited, as Node's agents. */
  readonly maxSockets?: number | undefined;
}

/**
 * A connection not established within its connect budget (DNS, TCP and TLS included). A `TypeError`, as
 * a network failure of fetch is; `code` is `IDSWITCH_CONNECT_TIMEOUT`, which the library maps to
 * `provider_unavailable` with reason `connect_timeout`.
 *
 * @example
 * import { ConnectTimeoutError, nodeFetch } from "idswitch/node";
 *
 * try {
 *   await nodeFetch({ connectTimeoutMs: 500 })("https://auth.example.eu/realms/acme");
 * } catch (err) {
 *   if (err instanceof ConnectTimeoutError) console.warn(`${err.host}:${err.port} silent for ${err.timeoutMs} ms`);
 * }
 */
export class ConnectTimeoutError extends TypeError {
  override readonly name = "ConnectTimeoutError";
  /** Stable across copies of the library: match on it rather than on the class. */
  readonly code = "IDSWITCH_CONNECT_TIMEOUT";
  /** The host name (or address) that was being connected to. */
  readonly host: string;
  readonly port: number;
  /** The budget that ran out, in milliseconds. */
  readonly timeoutMs: number;

  constructor(host: string, port: number, timeoutMs: number) {
    super(`connect to ${host}:${port} not established within ${timeoutMs} ms`);
    this.host = host;
    this.port = port;
    this.timeoutMs = timeoutMs;
  }
}

/** Statuses whose answer has no body (fetch spec "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Redirects followed at most, as fetch. */
const MAX_REDIRECTS = 20;

interface Prepared {
  url: URL;
  method: string;
  headers: Headers;
  body: Uint8Array | undefined;
  redirect: RequestRedirect;
  signal: AbortSignal | undefined;
  connectTimeoutMs: number;
}

/**
 * A `fetch` for `runtime.fetch` on Node that enforces a connect budget (`runtime.connectTimeoutMs`), over
 * kept-alive connections (one pool per `nodeFetch()`: create it once and share it). A connect that overruns
 * the budget is destroyed and rejects with a {@link ConnectTimeoutError}; other network failures reject with
 * `TypeError("fetch failed")` (the cause says why), as fetch; the caller's `signal` aborts at any phase, with
 * its reason.
 *
 * Redirects: `"manual"` (what openid-client and jose send) answers the 3xx itself; `"error"` rejects on one;
 * `"follow"` (fetch's default) follows up to 20, as fetch does: 303 (and 301/302 after a POST) turn into a
 * GET without a body, 307/308 resend the same; `authorization` and `cookie` are dropped when the origin
 * changes. Answers come back decompressed when the server encoded them anyway (nothing asks it to).
 *
 * @example
 * import { keycloak } from "idswitch";
 * import { nodeFetch } from "idswitch/node";
 *
 * const fetch = nodeFetch(); // one pool of connections, shared by the providers
 * const eu = keycloak({
 *   id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId: "portal",
 *   runtime: { fetch, connectTimeoutMs: 1_000, timeoutMs: 5_000 },
 * });
 */
export function nodeFetch(options: NodeFetchOptions = {}): FetchLike {
  const defaultBudget = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isFinite(defaultBudget) || defaultBudget <= 0) {
    throw new TypeError("nodeFetch: connectTimeoutMs must be a positive number of milliseconds");
  }
  const keepAlive = options.keepAlive ?? true;
  const maxSockets = options.maxSockets ?? Number.POSITIVE_INFINITY;
  const http = new HttpAgent({ keepAlive, maxSockets });
  const https = new HttpsAgent({
    keepAlive,
    maxSockets,
    ...(options.ca === undefined ? {} : { ca: options.ca as string | Buffer | Array<string | Buffer> }),
  });
  // Sockets past their connect phase: a kept-alive one handed out again has no budget to keep.
  const connected = new WeakSet<Socket>();

  const fetch: FetchLike = async (input, init = {}) => {
    let prepared = await prepare(input, init, defaultBudget);
    for (let hops = 0; ; hops++) {
      const response = await send(prepared, prepared.url.protocol === "https:" ? https : http, connected);
      if (!REDIRECTS.has(response.status) || prepared.redirect === "manual") return response;
      await response.body?.cancel().catch(() => {});
      if (prepared.redirect === "error") throw new TypeError('fetch failed: redirect with redirect: "error"');
      const location = response.headers.get("location");
      if (location === null) return response;
      if (hops >= MAX_REDIRECTS) throw new TypeError("fetch failed: too many redirects");
      prepared = redirected(prepared, response.status, new URL(location, prepared.url));
    }
  };
  return Object.assign(fetch, { [CONNECT_TIMEOUT_MS]: true as const });
}

async function prepare(
  input: string | URL | Request,
  init: RequestInit,
  defaultBudget: number,
): Promise<Prepared> {
  const request = input instanceof Request ? input : undefined;
  const url = new URL(input instanceof Request ? input.url : input);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`fetch failed: ${url.protocol} is not http: or https:`);
  }
  if (url.username || url.password) throw new TypeError("fetch failed: credentials in the URL");
  const method = normalizeMethod(init.method ?? request?.method ?? "GET");
  const headers = new Headers(init.headers ?? request?.headers);
  let body: Uint8Array | undefined;
  const source = init.body !== undefined ? init.body : request?.body ? await request.arrayBuffer() : null;
  if (source !== null && source !== undefined) {
    if (method === "GET" || method === "HEAD")
      throw new TypeError(`fetch failed: a ${method} request has no body`);
    if (typeof source === "string") {
      body = Buffer.from(source);
      if (!headers.has("content-type")) headers.set("content-type", "text/plain;charset=UTF-8");
    } else if (source instanceof Uint8Array) {
      body = source;
    } else {
      // URLSearchParams, Blob, FormData, ArrayBuffer, streams: serialized (and typed) as fetch does.
      const extracted = new Response(source as BodyInit);
      body = new Uint8Array(await extracted.arrayBuffer());
      const type = extracted.headers.get("content-type");
      if (type && !headers.has("content-type")) headers.set("content-type", type);
    }
  }
  if (!headers.has("accept")) headers.set("accept", "*/*");
  const own = (init as { [CONNECT_TIMEOUT_MS]?: unknown })[CONNECT_TIMEOUT_MS];
  const connectTimeoutMs = typeof own === "number" && own > 0 ? own : defaultBudget;
  return {
    url,
    method,
    headers,
    body,
    redirect: init.redirect ?? request?.redirect ?? "follow",
    signal: init.signal ?? request?.signal ?? undefined,
    connectTimeoutMs,
  };
}

function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"].includes(upper) ? upper : method;
}

/** The next hop of a followed redirect (fetch spec, HTTP-redirect fetch). */
function redirected(previous: Prepared, status: number, next: URL): Prepared {
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    throw new TypeError(`fetch failed: redirect to ${next.protocol}`);
  }
  const headers = new Headers(previous.headers);
  let { method, body } = previous;
  if (status === 303 ? method !== "HEAD" : (status === 301 || status === 302) && method === "POST") {
    method = method === "HEAD" ? "HEAD" : "GET";
    body = undefined;
    for (const name of [
      "content-type",
      "content-length",
      "content-encoding",
      "content-language",
      "content-location",
    ]) {
      headers.delete(name);
    }
  }
  if (next.origin !== previous.url.origin) {
    for (const name of ["authorization", "cookie", "proxy-authorization"]) headers.delete(name);
  }
  return { ...previous, url: next, method, body, headers };
}

function send(
  prepared: Prepared,
  agent: HttpAgent,
  connected: WeakSet<Socket>,
  retried = false,
): Promise<Response> {
  const { url, method, body, signal, connectTimeoutMs } = prepared;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const headers: OutgoingHttpHeaders = Object.fromEntries(prepared.headers);
  if (body !== undefined) headers["content-length"] = String(body.byteLength);
  else if (method === "POST" || method === "PUT" || method === "PATCH") headers["content-length"] = "0";
  const secure = url.protocol === "https:";
  const port = Number(url.port) || (secure ? 443 : 80);
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;

  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    let incoming: IncomingMessage | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let reused = false;
    const fail = (err: unknown): void => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (settled) return;
      settled = true;
      // A kept-alive connection the server closed while idle: a GET or HEAD goes again, once, on a
      // new connection (as undici does); nothing of it can have reached the server's application.
      const code = (err as { code?: unknown } | null)?.code;
      if (reused && !retried && !incoming && (method === "GET" || method === "HEAD") && !signal?.aborted) {
        if (code === "ECONNRESET" || code === "EPIPE") {
          resolve(send(prepared, agent, connected, true));
          return;
        }
      }
      reject(
        err instanceof ConnectTimeoutError || (signal?.aborted && err === signal.reason)
          ? err
          : new TypeError("fetch failed", { cause: err }),
      );
    };
    const onAbort = (): void => {
      const reason = signal?.reason;
      // Before the answer: the promise rejects with the reason; after it, the body's stream errors with it.
      if (incoming) incoming.destroy(reason);
      outgoing.destroy(reason);
      fail(reason);
    };
    const outgoing: ClientRequest = (secure ? httpsRequest : httpRequest)({
      protocol: url.protocol,
      host,
      port,
      path: `${url.pathname}${url.search}`,
      method,
      headers,
      agent,
      ...(secure && !isIp(host) ? { servername: host } : {}),
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    outgoing.on("socket", (socket: Socket) => {
      if (connected.has(socket)) {
        reused = true;
        return;
      }
      // From the socket's creation (lookup included) to its ready event, plain or TLS.
      timer = setTimeout(() => {
        outgoing.destroy(new ConnectTimeoutError(url.hostname, port, connectTimeoutMs));
      }, connectTimeoutMs);
      socket.once(secure ? "secureConnect" : "connect", () => {
        connected.add(socket);
        if (timer) clearTimeout(timer);
        timer = undefined;
      });
    });
    outgoing.on("error", fail);
    outgoing.on("response", (res: IncomingMessage) => {
      incoming = res;
      if (timer) clearTimeout(timer);
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 599) {
        res.destroy();
        fail(new Error(`status ${status} out of range`));
        return;
      }
      const responseHeaders = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
        responseHeaders.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
      }
      let stream: ReadableStream<Uint8Array> | null = null;
      if (NULL_BODY.has(status) || method === "HEAD") {
        res.resume();
      } else {
        const decoded = decode(res, responseHeaders.get("content-encoding"));
        stream = Readable.toWeb(
          decoded,
        ) as NodeReadableStream<Uint8Array> as unknown as ReadableStream<Uint8Array>;
      }
      res.once("close", () => signal?.removeEventListener("abort", onAbort));
      let response: Response;
      try {
        response = new Response(stream, {
          status,
          statusText: res.statusMessage ?? "",
          headers: responseHeaders,
        });
      } catch {
        response = new Response(stream, { status, headers: responseHeaders });
      }
      // As fetch's: the final URL (what a Response built by hand cannot set).
      Object.defineProperty(response, "url", { value: url.href });
      settled = true;
      resolve(response);
    });
    outgoing.end(body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
}

/** The body as sent, when the server encoded it although nothing asked it to (fetch decodes too). */
function decode(res: IncomingMessage, encoding: string | null): Readable {
  const coding = encoding?.trim().toLowerCase();
  const decoder =
    coding === "gzip" || coding === "x-gzip"
      ? createGunzip()
      : coding === "deflate"
        ? createInflate()
        : coding === "br"
          ? createBrotliDecompress()
          : undefined;
  if (!decoder) return res;
  res.on("error", (err) => decoder.destroy(err));
  return res.pipe(decoder);
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}
