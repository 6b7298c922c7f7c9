/**
 * A small Microsoft Graph client (docs/reference/entra-id.md §11): app-only, read-only,
 * web-standard `fetch` from the provider's runtime. It is the Graph choke
 * point: every failure leaves as an `IdSwitchError`.
 *
 * - Token: client credentials for `https://graph.microsoft.com/.default`
 *   through the provider's own token endpoint (so its failures are the
 *   provider's AADSTS classification), cached until a minute before expiry.
 *   Graph tokens are opaque to us (§5.6): never verified, never decoded.
 * - Throttling (§11.6): 429 is retried after `Retry-After` — which may be
 *   fractional, so it is read here rather than by the core's integer parser —
 *   or after an exponential backoff when Graph sends none; past the retry
 *   budget it is `provider_unavailable` with `retryAfter`.
 * - 401 once more with a fresh token; 403 is a missing application
 *   permission (`client_suspended`, reason `missing_permission`): the app's
 *   consent was never given or was withdrawn — not an outage.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { Runtime } from "../../core/runtime.js";

export interface GraphClientOptions {
  /** The provider id, for errors. */
  readonly provider: string;
  /** `https://graph.microsoft.com` or an emulator's origin; requests go to `${baseUrl}/v1.0/...`. */
  readonly baseUrl: string;
  readonly runtime: Runtime;
  /** An app-only token for Graph (client credentials). */
  readonly appToken: () => Promise<{ readonly accessToken: string; readonly expiresAt: number | undefined }>;
  /** 429 retries before giving up (default 2). */
  readonly maxRetries: number;
  /** A `Retry-After` longer than this is not waited for: the caller gets `retryAfter` instead (default 30 s). */
  readonly maxRetryAfterSeconds: number;
  /** First backoff when a 429 carries no `Retry-After`; doubled each time (default 1 s). */
  readonly backoffSeconds: number;
}

/** A Graph collection page (§11.2). */
export interface GraphPage<T> {
  readonly value: readonly T[];
  readonly "@odata.nextLink"?: string;
}

/** One answer of a `$batch`, as Graph returns it. */
export interface BatchAnswer {
  readonly id: string;
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: unknown;
}

const TOKEN_MARGIN_SECONDS = 60;
/** Graph's JSON-batching limit. */
const MAX_BATCH = 20;
/** More pages than any directory answer needs (getMemberGroups caps at 11 000 ids, §5.4). */
const MAX_PAGES = 1000;

export class GraphClient {
  readonly #options: GraphClientOptions;
  #token: { readonly value: string; readonly refreshAt: number } | undefined;

  constructor(options: GraphClientOptions) {
    this.#options = options;
  }

  /**
   * Every item of a collection: the first page at `path` (relative to
   * `/v1.0`), then each `@odata.nextLink` verbatim, never parsed (§11.2).
   */
  async all<T>(path: string): Promise<T[]> {
    return this.rest(await this.get<GraphPage<T>>(this.url(path)));
  }

  /** The items of `first` and of every page after it. */
  async rest<T>(first: GraphPage<T>): Promise<T[]> {
    const items: T[] = [];
    let page = first;
    for (let pages = 1; ; pages++) {
      if (!Array.isArray(page.value)) throw this.#malformed();
      items.push(...page.value);
      const next = page["@odata.nextLink"];
      if (next === undefined) return items;
      // A nextLink elsewhere would carry our token to another host; an endless chain would never end.
      if (!this.#sameOrigin(next) || pages >= MAX_PAGES) throw this.#malformed();
      page = await this.get<GraphPage<T>>(next);
    }
  }

  /** `${baseUrl}/v1.0${path}`. */
  url(path: string): string {
    return `${this.#options.baseUrl.replace(/\/+$/, "")}/v1.0${path}`;
  }

  /** One GET, with the token, throttling and error handling of this client. */
  get<T>(url: string): Promise<T> {
    return this.#request<T>(url, undefined);
  }

  /**
   * JSON batching (`POST /v1.0/$batch`): up to 20 GETs in one round trip.
   * Each answer keeps its own status; the caller decides what a failed one
   * means (a throttled one, for example, is simply asked again on its own).
   */
  async batch(paths: readonly string[]): Promise<BatchAnswer[]> {
    if (paths.length > MAX_BATCH) throw new RangeError(`a Graph batch holds at most ${MAX_BATCH} requests`);
    const requests = paths.map((url, i) => ({ id: String(i), method: "GET", url }));
    const answer = await this.#request<{ responses?: unknown }>(this.url("/$batch"), { requests });
    if (!Array.isArray(answer.responses)) throw this.#malformed();
    const byId = new Map((answer.responses as BatchAnswer[]).map((r) => [r?.id, r]));
    return paths.map((_, i) => byId.get(String(i)) ?? { id: String(i), status: 0, body: undefined });
  }

  async #request<T>(url: string, body: unknown): Promise<T> {
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      const response = await this.#send(url, await this.#accessToken(), body);
      if (response.ok) return this.#json<T>(response);
      await response.body?.cancel().catch(() => {});
      if (response.status === 401 && !refreshed) {
        refreshed = true; // a revoked or rotated token: one more try with a fresh one
        this.#token = undefined;
        continue;
      }
      const wait = response.status === 429 ? this.#throttleWait(response, attempt) : undefined;
      if (wait === undefined) throw this.#failure(response);
      await sleep(wait * 1000);
    }
  }

  #sameOrigin(url: string): boolean {
    try {
      return new URL(url).origin === new URL(this.#options.baseUrl).origin;
    } catch {
      return false;
    }
  }

  async #send(url: string, token: string, body: unknown): Promise<Response> {
    const { runtime, provider } = this.#options;
    const timeout = AbortSignal.timeout(runtime.timeoutMs);
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "application/json" };
    try {
      if (body === undefined) return await runtime.fetch(url, { headers, signal: timeout });
      headers["content-type"] = "application/json";
      return await runtime.fetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: timeout,
      });
    } catch (err) {
      const reason = timeout.aborted ? "timeout" : "network";
      throw new IdSwitchError(
        "provider_unavailable",
        `${provider}: Microsoft Graph ${reason === "timeout" ? "did not answer in time" : "is unreachable"}`,
        {
          provider,
          reason,
          cause: err,
        },
      );
    }
  }

  async #accessToken(): Promise<string> {
    const nowSeconds = this.#options.runtime.now() / 1000;
    if (this.#token && this.#token.refreshAt > nowSeconds) return this.#token.value;
    const tokens = await this.#options.appToken();
    const expiresAt = tokens.expiresAt ?? nowSeconds + 300;
    this.#token = { value: tokens.accessToken, refreshAt: expiresAt - TOKEN_MARGIN_SECONDS };
    return tokens.accessToken;
  }

  /** Seconds to wait before retrying a 429, or undefined to give up. */
  #throttleWait(response: Response, attempt: number): number | undefined {
    const { maxRetries, maxRetryAfterSeconds, backoffSeconds } = this.#options;
    if (attempt >= maxRetries) return undefined;
    const wait = retryAfterSeconds(response) ?? backoffSeconds * 2 ** attempt;
    return wait <= maxRetryAfterSeconds ? wait : undefined;
  }

  async #json<T>(response: Response): Promise<T> {
    try {
      return (await response.json()) as T;
    } catch (err) {
      throw this.#malformed(err);
    }
  }

  #malformed(cause?: unknown): IdSwitchError {
    const { provider } = this.#options;
    return new IdSwitchError("provider_unavailable", `${provider}: Microsoft Graph sent a malformed answer`, {
      provider,
      reason: "malformed_response",
      cause,
    });
  }

  #failure(response: Response): IdSwitchError {
    const { provider } = this.#options;
    const status = response.status;
    const answer = { status };
    const retryAfter = retryAfterSeconds(response);
    const message = `${provider}: Microsoft Graph answered HTTP ${status}`;
    if (status === 429 || status >= 500) {
      return new IdSwitchError("provider_unavailable", message, {
        provider,
        reason: status === 429 ? "rate_limited" : "server_error",
        retryAfter: retryAfter === undefined ? undefined : Math.ceil(retryAfter),
        cause: answer,
      });
    }
    if (status === 403 || status === 401) {
      // 401 with a fresh token: Graph does not accept this app's tokens at all.
      const reason = status === 403 ? "missing_permission" : "graph_token_rejected";
      return new IdSwitchError("client_suspended", message, { provider, reason, cause: answer });
    }
    if (status === 404) {
      return new IdSwitchError("account_disabled", message, {
        provider,
        reason: "user_not_found",
        cause: answer,
      });
    }
    return new IdSwitchError("config_invalid", message, {
      provider,
      reason: "graph_request_rejected",
      cause: answer,
    });
  }
}

/** `Retry-After` as Graph sends it: seconds, possibly fractional (`2.128`, §11.6). */
function retryAfterSeconds(response: Response): number | undefined {
  const value = response.headers.get("retry-after")?.trim();
  if (!value || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  return Number(value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
