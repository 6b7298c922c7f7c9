/**
 * The SSO cookie: after a sign-in the browser holds `KEYCLOAK_IDENTITY`, and
 * the next authorization request of that browser skips the form while the
 * session lives. A user disabled or locked since is shown the form again
 * (docs/reference/keycloak.md §4.2). [guess] The cookie's value: Keycloak's is a signed
 * JWT; here it is the session id.
 */
import { isLocked } from "./brute-force.js";
import { type Core, realmUrl } from "./core.js";
import { sessionActive } from "./grant-support.js";
import { cookie, expiredCookie, type RequestContext } from "./http.js";
import type { RealmRecord, UserRecord } from "./model.js";
import type { UserSession } from "./sessions.js";

const IDENTITY = "KEYCLOAK_IDENTITY";
const SESSION = "KEYCLOAK_SESSION";

export function ssoSession(
  core: Core,
  ctx: RequestContext,
  realm: RealmRecord,
): { session: UserSession; user: UserRecord } | undefined {
  const id = ctx.cookies.get(IDENTITY);
  const session = id === undefined ? undefined : core.sessions.session(id);
  if (!sessionActive(core, realm, session)) return undefined;
  const user = realm.users.get(session.userId);
  if (!user?.enabled || isLocked(realm, user, core.now())) return undefined;
  return { session, user };
}

function realmPath(core: Core, realm: RealmRecord): string {
  return new URL(realmUrl(core, realm.name)).pathname;
}

export function ssoCookies(core: Core, realm: RealmRecord, session: UserSession): string[] {
  const path = realmPath(core, realm);
  return [cookie(IDENTITY, session.id, path), cookie(SESSION, session.id, path)];
}

export function clearSsoCookies(core: Core, realm: RealmRecord): string[] {
  const path = realmPath(core, realm);
  return [expiredCookie(IDENTITY, path), expiredCookie(SESSION, path)];
}
