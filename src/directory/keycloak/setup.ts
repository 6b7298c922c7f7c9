/**
 * What the realm needs before the first user is written:
 *
 * - the key attribute declared in the user profile, view and edit by admins
 *   only (docs/reference/keycloak.md §5.7). Keycloak 26 drops undeclared attributes without
 *   an error, so without this every user would be created without its key
 *   and the next run would create them again. Admin-only, because a key a
 *   person could edit would let them link themselves to someone else;
 * - a protocol mapper on each configured client putting the attribute into
 *   ID and access tokens and userinfo, so `createIdentity`'s link claim
 *   joins a Keycloak sign-in to the app user of the Entra account.
 *
 * Each step reads first and writes only what is missing.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { KeycloakHttp } from "./http.js";

/**
 * One realm change the mirror makes before copying anyone (declare the `entra_id` attribute, add its token mapper).
 *
 * @example
 * // What the realm still lacks; apply() makes these changes first, plan() only lists them.
 * for (const step of await target.setup()) console.log(step.kind, step.target); // "declare-attribute entra_id"
 */
export interface SetupStep {
  readonly kind: "declare-attribute" | "ensure-mapper";
  readonly target: string;
  /** Makes the change. */
  readonly apply: () => Promise<void>;
}

interface UserProfile {
  attributes?: Array<{ name?: string }>;
  [key: string]: unknown;
}

/** The steps still needed; an empty list when the realm is ready. */
export async function setupSteps(
  http: KeycloakHttp,
  attribute: string,
  claim: string,
  clients: readonly string[],
): Promise<SetupStep[]> {
  const steps: SetupStep[] = [];
  const profile = await http.get<UserProfile>("/users/profile");
  if (!profile.attributes?.some((a) => a.name === attribute)) {
    steps.push({
      kind: "declare-attribute",
      target: attribute,
      apply: () => declareAttribute(http, attribute),
    });
  }
  for (const clientId of clients) {
    const uuid = await clientUuid(http, clientId);
    const path = `/clients/${uuid}/protocol-mappers/models`;
    const mappers = await http.get<Array<{ name?: string; config?: Record<string, string> }>>(path);
    const present = mappers.some(
      (m) => m.config?.["user.attribute"] === attribute && m.config["claim.name"] === claim,
    );
    if (!present) {
      steps.push({
        kind: "ensure-mapper",
        target: clientId,
        apply: () => addMapper(http, path, attribute, claim),
      });
    }
  }
  return steps;
}

/** The internal id of a client, by its clientId. */
export async function clientUuid(http: KeycloakHttp, clientId: string): Promise<string> {
  const found = await http.get<Array<{ id: string; clientId: string }>>(
    `/clients?${new URLSearchParams({ clientId, search: "false" })}`,
  );
  const client = found.find((c) => c.clientId === clientId);
  if (!client) {
    throw new IdSwitchError("config_invalid", `${http.provider}: no client "${clientId}" in the realm`, {
      provider: http.provider,
      reason: "unknown_client",
    });
  }
  return client.id;
}

async function declareAttribute(http: KeycloakHttp, attribute: string): Promise<void> {
  // Read again right before the write: the profile is one document, and another admin may have changed it.
  const profile = await http.get<UserProfile>("/users/profile");
  if (profile.attributes?.some((a) => a.name === attribute)) return;
  const attributes = [
    ...(profile.attributes ?? []),
    {
      name: attribute,
      displayName: "Entra tenant and object id",
      multivalued: false,
      permissions: { view: ["admin"], edit: ["admin"] },
      validations: { length: { max: 128 } },
    },
  ];
  await http.call("PUT", "/users/profile", { ...profile, attributes });
}

async function addMapper(http: KeycloakHttp, path: string, attribute: string, claim: string): Promise<void> {
  // 409: a mapper of that name exists (a concurrent run made it): nothing left to do.
  await http.call("POST", path, {
    name: `idswitch-${claim}`,
    protocol: "openid-connect",
    protocolMapper: "oidc-usermodel-attribute-mapper",
    config: {
      "user.attribute": attribute,
      "claim.name": claim,
      "jsonType.label": "String",
      "id.token.claim": "true",
      "access.token.claim": "true",
      "userinfo.token.claim": "true",
      "introspection.token.claim": "true",
    },
  });
}
