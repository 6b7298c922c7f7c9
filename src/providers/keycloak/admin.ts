/**
 * What the provider itself asks Keycloak's Admin REST API: the account state
 * its token endpoint will not reveal. Authenticates as a service account of
 * the same realm with `view-users` (docs/reference/keycloak.md §5.1).
 */
import { IdSwitchError } from "../../core/errors.js";
import type { FetchLike } from "../../core/runtime.js";
import { classifyAnswer, type ErrorRule } from "../oidc/errors.js";
import type { AccountStatus } from "../provider.js";
import { KeycloakAdminClient, readJson } from "./admin-client.js";

export interface AdminCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface KeycloakAdminInput {
  readonly provider: string;
  readonly issuer: string;
  readonly credentials: AdminCredentials;
  /** The provider's guarded fetch: a time budget, and outages (network, 5xx, 429) already translated. */
  readonly fetch: FetchLike;
  readonly now: () => number;
  readonly errorRules: readonly ErrorRule[];
}

export class KeycloakAdmin {
  readonly #input: KeycloakAdminInput;
  readonly #client: KeycloakAdminClient;

  constructor(input: KeycloakAdminInput) {
    this.#input = input;
    this.#client = new KeycloakAdminClient({
      issuer: input.issuer,
      ...input.credentials,
      now: input.now,
      send: input.fetch,
      refused: (status, json) =>
        status >= 200 && status < 300
          ? new IdSwitchError(
              "provider_unavailable",
              `${input.provider}: admin token response has no access_token`,
              {
                provider: input.provider,
                reason: "malformed_response",
              },
            )
          : this.#failure(status, json, "admin token"),
    });
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
    const response = await this.#client.request("GET", path);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw this.#failure(response.status, await readJson(response), "admin API");
    return (await response.json()) as T;
  }

  #failure(status: number, json: unknown, what: string): IdSwitchError {
    const body = (json ?? {}) as { error?: unknown; error_description?: unknown };
    const answer = {
      status,
      ...(typeof body.error === "string" ? { error: body.error } : {}),
      ...(typeof body.error_description === "string" ? { description: body.error_description } : {}),
    };
    // A bare 401/403 (no OAuth error) is the admin account itself lacking access: configuration, not the user's state.
    if ((status === 401 || status === 403) && !answer.error) {
      return new IdSwitchError(
        "config_invalid",
        `${this.#input.provider}: ${what} refused (HTTP ${status}); the admin service account needs realm-management "view-users"`,
        { provider: this.#input.provider, reason: "admin_access", cause: answer },
      );
    }
    return classifyAnswer(answer, this.#input.provider, this.#input.errorRules);
  }
}
