/**
 * The few Keycloak Admin REST calls the provider itself needs, on plain
 * fetch (the admin client package is ESM-only and version-locked; we need
 * three endpoints). Authenticates as a service account of the same realm
 * with `view-users` (shared/KEYCLOAK.md §5.1).
 */
import { IdSwitchError } from "../../core/errors.js";
import type { FetchLike } from "../../core/runtime.js";
import { classifyAnswer, type ErrorRule } from "../oidc/errors.js";
import type { AccountStatus } from "../provider.js";

export interface AdminCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface KeycloakAdminInput {
  readonly provider: string;
  readonly issuer: string;
  readonly credentials: AdminCredentials;
  readonly fetch: FetchLike;
  readonly now: () => number;
  readonly errorRules: readonly ErrorRule[];
}

export class KeycloakAdmin {
  readonly #input: KeycloakAdminInput;
  readonly #adminBase: string;
  #token: { value: string; expiresAt: number } | undefined;

  constructor(input: KeycloakAdminInput) {
    this.#input = input;
    // `{base}/realms/{realm}` → `{base}/admin/realms/{realm}` (keeps a relative path like /auth).
    this.#adminBase = input.issuer.replace(/\/realms\/([^/]+)\/?$/, "/admin/realms/$1");
  }

  /**
   * What Keycloak's token endpoint will not say: a locked account answers like
   * a wrong password. Brute-force state is checked first because a permanent
   * lock-out also flips `enabled` to false.
   */
  async accountStatus(subject: string): Promise<AccountStatus> {
    const id = encodeURIComponent(subject);
    const base = { provider: this.#input.provider, subject };
    const user = await this.#get<{ enabled?: boolean }>(`/users/${id}`);
    if (user === undefined) return { ...base, status: "not_found" };
    const lock = await this.#get<{ disabled?: boolean; numFailures?: number }>(
      `/attack-detection/brute-force/users/${id}`,
    );
    if (lock?.disabled === true) return { ...base, status: "locked", failures: lock.numFailures ?? 0 };
    return { ...base, status: user.enabled === false ? "disabled" : "active" };
  }

  /** GET a JSON resource; undefined on 404. */
  async #get<T>(path: string): Promise<T | undefined> {
    const response = await this.#input.fetch(`${this.#adminBase}${path}`, {
      headers: { authorization: `Bearer ${await this.#accessToken()}`, accept: "application/json" },
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw await this.#failure(response, "admin API");
    return (await response.json()) as T;
  }

  async #accessToken(): Promise<string> {
    const nowSeconds = this.#input.now() / 1000;
    if (this.#token && this.#token.expiresAt - 30 > nowSeconds) return this.#token.value;
    const { clientId, clientSecret } = this.#input.credentials;
    const response = await this.#input.fetch(`${this.#input.issuer}/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: clientSecret,
      }),
    });
    if (!response.ok) throw await this.#failure(response, "admin token");
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== "string") {
      throw new IdSwitchError(
        "provider_unavailable",
        `${this.#input.provider}: admin token response has no access_token`,
        {
          provider: this.#input.provider,
          reason: "malformed_response",
        },
      );
    }
    const expiresIn = typeof body.expires_in === "number" ? body.expires_in : 60;
    this.#token = { value: body.access_token, expiresAt: nowSeconds + expiresIn };
    return body.access_token;
  }

  async #failure(response: Response, what: string): Promise<IdSwitchError> {
    const body = (await response.json().catch(() => ({}))) as {
      error?: unknown;
      error_description?: unknown;
    };
    const answer = {
      status: response.status,
      ...(typeof body.error === "string" ? { error: body.error } : {}),
      ...(typeof body.error_description === "string" ? { description: body.error_description } : {}),
    };
    // A bare 401/403 (no OAuth error) is the admin account itself lacking access: configuration, not the user's state.
    if ((response.status === 401 || response.status === 403) && !answer.error) {
      return new IdSwitchError(
        "config_invalid",
        `${this.#input.provider}: ${what} refused (HTTP ${response.status}); the admin service account needs realm-management "view-users"`,
        { provider: this.#input.provider, reason: "admin_access", cause: answer },
      );
    }
    return classifyAnswer(answer, this.#input.provider, this.#input.errorRules);
  }
}
