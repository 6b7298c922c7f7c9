/**
 * The mirror's Keycloak Admin REST calls (docs/reference/keycloak.md §5), on the admin
 * client it shares with the provider (providers/keycloak/admin-client.ts: the
 * service account's token, cached until shortly before expiry), with the
 * mirror's own policy: every failure translated here, once.
 *
 * A Keycloak answering 5xx, 429 or not at all is retried a bounded number
 * of times with a growing pause; past that the run stops with a retryable
 * `provider_unavailable`, and the next run resumes from the checkpoint.
 * Writes are retried too: each one the mirror makes is safe to repeat
 * (PUTs replace; a repeated create meets 409 and is resolved by the caller
 * through the immutable key).
 */
import { IdSwitchError } from "../../core/errors.js";
import { connectTimeoutOf } from "../../core/http.js";
import type { Runtime } from "../../core/runtime.js";
import { KeycloakAdminClient, readJson } from "../../providers/keycloak/admin-client.js";

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

export class KeycloakHttp {
  readonly #input: KeycloakHttpInput;
  readonly #admin: KeycloakAdminClient;
  /** Every HTTP request sent (admin API and token endpoint): the benchmark's "calls per user". */
  calls = 0;

  constructor(input: KeycloakHttpInput) {
    this.#input = input;
    this.#admin = new KeycloakAdminClient({
      issuer: `${input.baseUrl}/realms/${encodeURIComponent(input.realm)}`,
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      now: input.runtime.now,
      send: (url, init, answers) => this.#send(url, init, answers),
      refused: (status, json) => this.#refused(status, json),
    });
  }

  get provider(): string {
    return this.#input.provider;
  }

  /** How long one call may take before it is abandoned (`runtime.timeoutMs`). */
  get budgetMs(): number {
    return this.#input.runtime.timeoutMs;
  }

  /** The realm the calls go to (named in errors about its configuration). */
  get realm(): string {
    return this.#input.realm;
  }

  /**
   * `{base}/admin/realms/{realm}{path}`, answered: 2xx, 404, 409 or another status in `accepted`;
   * anything else throws. A status in `accepted` is an answer, never retried (a 500 the caller
   * expects is not an outage).
   */
  async call(
    method: string,
    path: string,
    body?: unknown,
    accepted: readonly number[] = [],
  ): Promise<KeycloakAnswer> {
    const response = await this.#admin.request(method, path, body, accepted);
    const json = await readJson(response);
    const { status } = response;
    if (response.ok || status === 404 || status === 409 || accepted.includes(status)) {
      return { status, headers: response.headers, json };
    }
    throw this.#failure(status, json, `${method} ${templateOf(path)}`);
  }

  /** GET a JSON resource that must exist. */
  async get<T>(path: string): Promise<T> {
    const answer = await this.call("GET", path);
    if (answer.status === 404) throw this.#failure(404, answer.json, `GET ${templateOf(path)}`);
    return answer.json as T;
  }

  /**
   * One request, tried again while Keycloak fails (network, 5xx, 429) up to
   * `attempts` times; the last failing answer is returned for the caller to report.
   */
  async #send(url: string, init: RequestInit, answers: readonly number[] = []): Promise<Response> {
    const { runtime, attempts } = this.#input;
    for (let attempt = 1; ; attempt++) {
      this.calls++;
      let response: Response;
      try {
        response = await runtime.fetch(url, { ...init, signal: AbortSignal.timeout(runtime.timeoutMs) });
      } catch (cause) {
        if (attempt >= attempts) throw this.#unreachable(cause);
        await this.#pause(attempt);
        continue;
      }
      const { status } = response;
      if (!isTransient(status) || attempt >= attempts || answers.includes(status)) return response;
      await response.body?.cancel().catch(() => {});
      await this.#pause(attempt);
    }
  }

  /** The token endpoint gave no token: Keycloak still failing after the retries, or the credentials refused. */
  #refused(status: number, json: unknown): IdSwitchError {
    if (isTransient(status)) return this.#failure(status, json, "admin token");
    const error = (json as { error?: unknown } | undefined)?.error;
    const { provider } = this.#input;
    return new IdSwitchError(
      "client_suspended",
      `${provider}: the mirror's service account was refused a token`,
      {
        provider,
        reason: "admin_credentials_refused",
        cause: { status, ...(typeof error === "string" ? { error } : {}) },
      },
    );
  }

  #pause(attempt: number): Promise<void> {
    const ms = Math.min(this.#input.backoffMs * 2 ** (attempt - 1), 10_000);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  #unreachable(cause: unknown): IdSwitchError {
    const { provider } = this.#input;
    // The same reasons as every other call of the SDK (core/http.ts): which budget ran out, or none.
    const reason = connectTimeoutOf(cause)
      ? "connect_timeout"
      : (cause as { name?: unknown } | undefined)?.name === "TimeoutError"
        ? "timeout"
        : "network";
    return new IdSwitchError("provider_unavailable", `${provider}: Keycloak's admin API is unreachable`, {
      provider,
      reason,
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
