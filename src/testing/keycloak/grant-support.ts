/**
 * What the token endpoint's grants share: the signature of a grant and the
 * checks every grant that continues a user session makes.
 */
import type { Claims } from "./claims.js";
import type { Core } from "./core.js";
import { invalidGrant, type RequestContext } from "./http.js";
import type { ClientRecord, RealmRecord, UserRecord } from "./model.js";
import type { UserSession } from "./sessions.js";

export type Grant = (
  core: Core,
  ctx: RequestContext,
  realm: RealmRecord,
  client: ClientRecord,
) => Promise<Claims>;

/** Is the session still usable: not ended, not idle past the realm's timeout, not past its maximum? */
export function sessionActive(
  core: Core,
  realm: RealmRecord,
  session: UserSession | undefined,
): session is UserSession {
  if (!session || session.ended || session.realm !== realm.name) return false;
  const now = core.now();
  if (now - session.lastRefresh > realm.ssoSessionIdleTimeout * 1000) return false;
  return now - session.started <= realm.ssoSessionMaxLifespan * 1000;
}

/** The session's user, refused as the code and refresh grants refuse it (docs/reference/keycloak.md §4.5, §4.6). */
export function sessionUser(realm: RealmRecord, session: UserSession): UserRecord {
  const user = realm.users.get(session.userId);
  if (!user) invalidGrant("User not found");
  if (!user.enabled) invalidGrant("User disabled");
  return user;
}
