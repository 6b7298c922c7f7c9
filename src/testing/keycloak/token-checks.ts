/**
 * Is an access token still good? What userinfo and introspection ask
 * (docs/reference/keycloak.md §2.4, §4.9): signed by this realm with a published key,
 * `typ: "Bearer"`, not expired, not revoked, not older than a not-before,
 * its session (if any) alive, its user present and enabled, its client
 * enabled.
 */
import type { Claims } from "./claims.js";
import type { Core } from "./core.js";
import { sessionActive } from "./grant-support.js";
import type { ClientRecord, RealmRecord, UserRecord } from "./model.js";
import { readSignedToken } from "./tokens.js";

export type AccessTokenCheck =
  | { readonly ok: true; readonly claims: Claims; readonly user: UserRecord; readonly client: ClientRecord }
  | { readonly ok: false; readonly why: "invalid" | "client_disabled" | "user_missing" };

export async function checkAccessToken(
  core: Core,
  realm: RealmRecord,
  token: string,
): Promise<AccessTokenCheck> {
  const claims = await readSignedToken(core, realm, token);
  if (claims?.typ !== "Bearer") return { ok: false, why: "invalid" };
  const exp = typeof claims.exp === "number" ? claims.exp : 0;
  const iat = typeof claims.iat === "number" ? claims.iat : 0;
  if (exp * 1000 <= core.now() || iat < realm.notBefore) return { ok: false, why: "invalid" };
  if (typeof claims.jti === "string" && core.sessions.isRevoked(claims.jti))
    return { ok: false, why: "invalid" };
  const client = typeof claims.azp === "string" ? realm.clients.get(claims.azp) : undefined;
  if (!client?.enabled) return { ok: false, why: "client_disabled" };
  const user = typeof claims.sub === "string" ? realm.users.get(claims.sub) : undefined;
  if (!user) return { ok: false, why: "user_missing" };
  if (!user.enabled || iat < user.notBefore) return { ok: false, why: "invalid" };
  if (typeof claims.sid === "string" && !sessionActive(core, realm, core.sessions.session(claims.sid))) {
    return { ok: false, why: "invalid" };
  }
  return { ok: true, claims, user, client };
}
