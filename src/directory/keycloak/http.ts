/**
 * The mirror's Keycloak Admin REST client (KEYCLOAK.md §5) on plain fetch,
 * in the style of the provider's small admin client: a service account of
 * the target realm (client credentials), its token cached until shortly
 * before expiry, and every failure translated here, once.
 *
 * A Keycloak answering 5xx, 429 or not at all is retried a bounded number
 * of times with a growing pause; past that the run stops with a retryable
 * `provider_unavailable`, and the next run resumes from the checkpoint.
 * Writes are retried too: each one the mirror makes is safe to repeat
 * (PUTs replace; a repeated create meets 409 and is resolved by the caller
 * through the immutable key).
 */
import { IdSwitchError } from "../../core/errors.js";
import type { Runtime } from "../../core/runtime.js";

export interface KeycloakHttpInput {
  readonly provider: string;
  /** `{base}` of the server (no `/realms/...`). */
  readonly baseUrl: string;
  readonly realm: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly runtime: Runtime;
  /** Tries of one call when Keycloak fails (5xx, 429, network). */
  readonly attempts: number;
  /** First pause between tries, doubled each time. */
  readonly backoffMs: number;
}

/** A Keycloak answer the caller decides about (404 and 409 are not failures of the client). */
export interface KeycloakAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
}

const TOKEN_MARGIN_SECONDS = 15;

export class KeycloakHttp {
  readonly #input: KeycloakHttpInput;
  #token: { value: string; refreshAt: number } | undefined;
  /** Every HTTP request sent (admin API and token endpoint): the benchmark's "calls per user". */
  calls = 0;

  constructor(input: KeycloakHttpInput) {
    this.#input = input;
  }

  get provider(): string {
    return this.#input.provider;
  }

  /** `{base}/admin/realms/{realm}{path}`, answered: 2xx, 404 or 409; anything else throws. */
  async call(method: string, path: string, body?: unknown): Promise<KeycloakAnswer> {
    const { baseUrl, realm } = this.#input;
    const url = `${baseUrl}/admin/realms/${encodeURIComponent(realm)}${path}`;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const response = await this.#send(url, method, body, attempt);
      if (response === undefined) continue; // a network failure worth another try
      if (response.status === 401 && !refreshed) {
        refreshed = true; // revoked or expired early: once more with a fresh token
        this.#token = undefined;
        await response.body?.cancel().catch(() => {});
        continue;
      }
      if (isTransient(response.status) && attempt < this.#input.attempts) {
        await response.body?.cancel().catch(() => {});
        await this.#pause(attempt);
        continue;
      }
      const json = await readJson(response);
      if (response.ok || response.status === 404 || response.status === 409) {
        return { status: response.status, headers: response.headers, json };
      }
      throw this.#failure(response.status, json, `${method} ${templateOf(path)}`);
    }
  }

  /** GET a JSON resource that must exist. */
  async get<T>(path: string): Promise<T> {
    const answer = await this.call("GET", path);
    if (answer.status === 404) throw this.#failure(404, answer.json, `GET ${templateOf(path)}`);
    return answer.json as T;
  }

  async #send(url: string, method: string, body: unknown, attempt: number): Promise<Response | undefined> {
    const token = await this.#accessToken();
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const init: RequestInit = { method, headers, signal: AbortSignal.timeout(this.#input.runtime.timeoutMs) };
    if (body !== undefined) init.body = JSON.stringify(body);
    this.calls++;
    try {
      return await this.#input.runtime.fetch(url, init);
    } catch (cause) {
      if (attempt >= this.#input.attempts) throw this.#unreachable(cause);
      await this.#pause(attempt);
      return undefined;
    }
  }

  async #accessToken(): Promise<string> {
    const { runtime, baseUrl, realm, clientId, clientSecret, provider } = this.#input;
    const nowSeconds = runtime.now() / 1000;
    if (this.#token && this.#token.refreshAt > nowSeconds) return this.#token.value;
    const url = `${baseUrl}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/token`;
    for (let attempt = 1; ; attempt++) {
      this.calls++;
      let response: Response;
      try {
        response = await runtime.fetch(url, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
          body: new URLSearchParams({
            grant_type: "client_credentials",
            client_id: clientId,
            client_secret: clientSecret,
          }),
          signal: AbortSignal.timeout(runtime.timeoutMs),
        });
      } catch (cause) {
        if (attempt >= this.#input.attempts) throw this.#unreachable(cause);
        await this.#pause(attempt);
        continue;
      }
      if (isTransient(response.status) && attempt < this.#input.attempts) {
        await response.body?.cancel().catch(() => {});
        await this.#pause(attempt);
        continue;
      }
      const json = (await readJson(response)) as {
        access_token?: unknown;
        expires_in?: unknown;
        error?: unknown;
      };
      if (response.ok && typeof json.access_token === "string") {
        const expiresIn = typeof json.expires_in === "number" ? json.expires_in : 60;
        this.#token = { value: json.access_token, refreshAt: nowSeconds + expiresIn - TOKEN_MARGIN_SECONDS };
        return json.access_token;
      }
      if (isTransient(response.status)) throw this.#failure(response.status, json, "admin token");
      const answer = {
        status: response.status,
        ...(typeof json.error === "string" ? { error: json.error } : {}),
      };
      throw new IdSwitchError(
        "client_suspended",
        `${provider}: the mirror's service account was refused a token`,
        {
          provider,
          reason: "admin_credentials_refused",
          cause: answer,
        },
      );
    }
  }

  #pause(attempt: number): Promise<void> {
    const ms = Math.min(this.#input.backoffMs * 2 ** (attempt - 1), 10_000);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  #unreachable(cause: unknown): IdSwitchError {
    const { provider } = this.#input;
    return new IdSwitchError("provider_unavailable", `${provider}: Keycloak's admin API is unreachable`, {
      provider,
      reason: "network",
      cause,
    });
  }

  #failure(status: number, json: unknown, what: string): IdSwitchError {
    const { provider } = this.#input;
    const detail = errorText(json);
    const answer = { status, ...(detail ? { description: detail } : {}) };
    const message = `${provider}: ${what} answered HTTP ${status}${detail ? ` (${detail})` : ""}`;
    if (isTransient(status)) {
      return new IdSwitchError("provider_unavailable", `${message}; run the mirror again to resume`, {
        provider,
        reason: status === 429 ? "rate_limited" : "server_error",
        cause: answer,
      });
    }
    if (status === 401 || status === 403) {
      return new IdSwitchError(
        "config_invalid",
        `${message}: the service account needs realm-management "manage-users", "view-clients", "manage-clients" and "manage-realm"`,
        { provider, reason: "admin_access", cause: answer },
      );
    }
    return new IdSwitchError("config_invalid", message, {
      provider,
      reason: "admin_request_rejected",
      cause: answer,
    });
  }
}

function isTransient(status: number): boolean {
  return status === 429 || status >= 500;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Keycloak's own short error text (`errorMessage`, `error`), never a whole body. */
function errorText(json: unknown): string | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const { errorMessage, error } = json as { errorMessage?: unknown; error?: unknown };
  const text =
    typeof errorMessage === "string" ? errorMessage : typeof error === "string" ? error : undefined;
  return text?.slice(0, 200);
}

/** A path with ids and queries taken out, for messages: `/users/{id}` rather than a person's id. */
function templateOf(path: string): string {
  return (path.split("?")[0] ?? "").replace(/\/[0-9a-f]{8}-[0-9a-f-]{27}/gi, "/{id}");
}
