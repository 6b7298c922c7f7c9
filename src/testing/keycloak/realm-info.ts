/**
 * `GET /realms/{realm}`: the realm's public information (docs/reference/keycloak.md §1.6):
 * `realm`, `public_key` (base64 SPKI of the active RS256 key),
 * `token-service`, `account-service`, `tokens-not-before`.
 */
import { type Core, realmUrl } from "./core.js";
import type { RealmRecord } from "./model.js";

export async function realmInfo(core: Core, realm: RealmRecord): Promise<Record<string, unknown>> {
  const { signer } = await realm.keys;
  const base = realmUrl(core, realm.name);
  return {
    realm: realm.name,
    public_key: signer.publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    "token-service": `${base}/protocol/openid-connect`,
    "account-service": `${base}/account`,
    "tokens-not-before": realm.notBefore,
  };
}
