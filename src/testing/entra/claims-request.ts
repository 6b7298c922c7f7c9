/**
 * The OIDC `claims` parameter as far as Entra acts on it (docs/reference/entra-id.md §2.1,
 * §3.1, §8.2, §8.3): client capabilities (`access_token.xms_cc.values`,
 * `cp1` = "I handle claims challenges") and the `nbf` a CAE challenge
 * demands (`access_token.nbf.value`: a token newer than the revocation).
 */

export interface ClaimsRequest {
  /** Lower case (`cp1`); the value is case-insensitive (§8.2). */
  readonly capabilities: readonly string[];
  /** Epoch seconds the new access token's `nbf` must not precede. */
  readonly nbfAtLeast: number | undefined;
}

export const NO_CLAIMS: ClaimsRequest = { capabilities: [], nbfAtLeast: undefined };

/** `undefined` for a parameter that is not the JSON text of an object (the caller refuses the request). */
export function parseClaimsRequest(text: string | undefined): ClaimsRequest | undefined {
  if (text === undefined || text === "") return NO_CLAIMS;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const access = isObject(value.access_token) ? value.access_token : {};
  const xmsCc = isObject(access.xms_cc) ? access.xms_cc.values : undefined;
  const capabilities = Array.isArray(xmsCc)
    ? xmsCc.filter((v): v is string => typeof v === "string").map((v) => v.toLowerCase())
    : [];
  const nbf = isObject(access.nbf) ? Number(access.nbf.value) : Number.NaN;
  return { capabilities, nbfAtLeast: Number.isFinite(nbf) ? nbf : undefined };
}

/** The capabilities of both; the later request's `nbf` demand. */
export function withCapabilities(request: ClaimsRequest, capabilities: readonly string[]): ClaimsRequest {
  return { ...request, capabilities: [...new Set([...capabilities, ...request.capabilities])] };
}

export function handlesChallenges(request: ClaimsRequest): boolean {
  return request.capabilities.includes("cp1");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
