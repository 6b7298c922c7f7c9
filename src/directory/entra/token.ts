/**
 * The mirror's app-only Graph token: client credentials at the tenant's v2
 * token endpoint for `https://graph.microsoft.com/.default` (docs/reference/entra-id.md §11.7).
 * Its failures are translated here; the secret and the token never reach an
 * error message.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { Runtime } from "../../core/runtime.js";

export interface GraphTokenInput {
  readonly provider: string;
  readonly authority: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string;
  readonly runtime: Runtime;
}

export async function graphAppToken(
  input: GraphTokenInput,
): Promise<{ accessToken: string; expiresAt: number | undefined }> {
  const url = `${input.authority.replace(/\/+$/, "")}/${encodeURIComponent(input.tenantId)}/oauth2/v2.0/token`;
  const body = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: input.clientId,
    client_secret: input.clientSecret,
    scope: input.scope,
  });
  let response: Response;
  try {
    response = await input.runtime.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
      signal: AbortSignal.timeout(input.runtime.timeoutMs),
    });
  } catch (cause) {
    throw new IdSwitchError("provider_unavailable", `${input.provider}: the token endpoint is unreachable`, {
      provider: input.provider,
      reason: "network",
      cause,
    });
  }
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok && typeof json.access_token === "string") {
    const expiresIn = typeof json.expires_in === "number" ? json.expires_in : undefined;
    const nowSeconds = input.runtime.now() / 1000;
    return { accessToken: json.access_token, expiresAt: expiresIn && nowSeconds + expiresIn };
  }
  const answer = {
    status: response.status,
    ...(typeof json.error === "string" ? { error: json.error } : {}),
  };
  // 5xx/429 is an outage; anything else means Entra refuses this app's credentials (revoked, expired, unknown).
  if (response.status >= 500 || response.status === 429) {
    throw new IdSwitchError("provider_unavailable", `${input.provider}: the token endpoint failed`, {
      provider: input.provider,
      reason: "server_error",
      cause: answer,
    });
  }
  throw new IdSwitchError(
    "client_suspended",
    `${input.provider}: the mirror's Graph credentials were refused`,
    {
      provider: input.provider,
      reason: "graph_token_refused",
      cause: answer,
    },
  );
}
