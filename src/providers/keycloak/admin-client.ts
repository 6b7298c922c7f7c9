/**
 * The one Keycloak Admin REST client: a service account of the realm
 * (client credentials at the realm's token endpoint), its token cached until
 * shortly before expiry, and requests to `{base}/admin/realms/{realm}` sent
 * with it. Plain fetch: the admin client package is ESM-only and
 * version-locked, and we need a handful of endpoints.
 *
 * Two callers, two policies, one client: the provider's `accountStatus` sends
 * through its guarded fetch and classifies answers with its error table; the
 * directory mirror retries with backoff and reports a run that must be
 * resumed. Each passes in how to send and what a refused token means.
 */
import type { IdSwitchError } from "../../core/errors.js";

/**
 * Sends one request and returns the answer; failures it cannot answer it throws, already translated.
 * `answers`: statuses the caller takes as an answer, so a transport that retries must not retry them.
 */
export type AdminTransport = (
  url: string,
  init: RequestInit,
  answers?: readonly number[],
) => Promise<Response>;

export interface KeycloakAdminClientInput {
  /** The realm's issuer, `{base}/realms/{realm}`: the token endpoint and the admin API hang off it. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The current time in epoch milliseconds. */
  readonly now: () => number;
  readonly send: AdminTransport;
  /** The error for a token endpoint that answered without a token; `json` is its body, if it was JSON. */
  readonly refused: (status: number, json: unknown) => IdSwitchError;
}

/**
 * Renew this long before the token expires: a token that expires between the
 * check and Keycloak reading it would be refused (and cost a second request).
 */
const TOKEN_MARGIN_SECONDS = 30;
/** Keycloak always sends `expires_in`; assume a short life if an answer does not. */
const DEFAULT_EXPIRES_IN_SECONDS = 60;

export class KeycloakAdminClient {
  readonly #input: KeycloakAdminClientInput;
  readonly #adminBase: string;
  #token: { value: string; refreshAt: number } | undefined;

  constructor(input: KeycloakAdminClientInput) {
    this.#input = input;
    // `{base}/realms/{realm}` → `{base}/admin/realms/{realm}` (keeps a relative path like /auth).
    this.#adminBase = input.issuer.replace(/\/realms\/([^/]+)\/?$/, "/admin/realms/$1");
  }

  /**
   * `{base}/admin/realms/{realm}{path}` with the service account's token. A
   * 401 is tried once more with a fresh token: the cached one may have been
   * revoked or may have expired early (a server clock ahead of ours).
   */
  async request(
    method: string,
    path: string,
    body?: unknown,
    answers: readonly number[] = [],
  ): Promise<Response> {
    const response = await this.#request(method, path, body, answers);
    if (response.status !== 401) return response;
    await response.body?.cancel().catch(() => {});
    this.#token = undefined;
    return this.#request(method, path, body, answers);
  }

  async #request(method: string, path: string, body: unknown, answers: readonly number[]): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.#accessToken()}`,
      accept: "application/json",
    };
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return this.#input.send(`${this.#adminBase}${path}`, init, answers);
  }

  async #accessToken(): Promise<string> {
    const nowSeconds = this.#input.now() / 1000;
    if (this.#token && this.#token.refreshAt > nowSeconds) return this.#token.value;
    const { issuer, clientId, clientSecret } = this.#input;
    const response = await this.#input.send(`${issuer}/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: clientSecret,
      }),
    });
    const json = await readJson(response);
    const { access_token: value, expires_in: expiresIn } = (json ?? {}) as Record<string, unknown>;
    if (!response.ok || typeof value !== "string") throw this.#input.refused(response.status, json);
    const lifetime = typeof expiresIn === "number" ? expiresIn : DEFAULT_EXPIRES_IN_SECONDS;
    this.#token = { value, refreshAt: nowSeconds + lifetime - TOKEN_MARGIN_SECONDS };
    return value;
  }
}

/** The body as JSON, or undefined when it is empty or not JSON (an error page, a proxy's HTML). */
export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
