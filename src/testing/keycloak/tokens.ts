/**
 * Signing, verifying and the token endpoint's success body. ID and access
 * tokens are RS256 with the realm's active key (`{"alg":"RS256","typ":"JWT","kid"}`);
 * refresh tokens are HS512 with the realm's HMAC key, so only the emulator
 * can verify them (docs/reference/keycloak.md §3.3).
 */
import { createHash } from "node:crypto";
import { decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import {
  accessTokenClaims,
  type Claims,
  idTokenClaims,
  refreshTokenClaims,
  type TokenSubject,
} from "./claims.js";
import { type Core, nowSeconds, realmUrl } from "./core.js";
import { verificationKeys } from "./keys.js";
import type { RealmRecord } from "./model.js";
import { isOpenId } from "./scopes.js";

export async function signRs256(realm: RealmRecord, claims: Claims): Promise<string> {
  const { signer } = await realm.keys;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: signer.kid })
    .sign(signer.privateKey);
}

async function signHs512(realm: RealmRecord, claims: Claims): Promise<string> {
  const { hmac } = await realm.keys;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS512", typ: "JWT", kid: hmac.kid })
    .sign(hmac.secret);
}

/** OIDC Core §3.1.3.6: base64url of the left half of SHA-256 of the access token. */
function atHash(accessToken: string): string {
  const digest = createHash("sha256").update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString("base64url");
}

/**
 * The success body, members in Keycloak's order (docs/reference/keycloak.md §2.3). A refresh
 * token only when the grant has a session; an ID token only for `openid`.
 */
export async function tokenResponse(core: Core, subject: TokenSubject, nonce?: string): Promise<Claims> {
  const iat = nowSeconds(core);
  const access = await signRs256(subject.realm, accessTokenClaims(core, subject, iat));
  const body: Claims = { access_token: access, expires_in: subject.realm.accessTokenLifespan };
  const session = subject.session;
  if (session) {
    const refreshExp = refreshExpiry(subject.realm, session.started, session.lastRefresh);
    body.refresh_expires_in = refreshExp - iat;
    body.refresh_token = await signHs512(subject.realm, refreshTokenClaims(core, subject, iat, refreshExp));
  } else {
    body.refresh_expires_in = 0;
  }
  body.token_type = "Bearer";
  if (isOpenId(subject.scope)) {
    body.id_token = await signRs256(
      subject.realm,
      idTokenClaims(core, subject, iat, { nonce, atHash: atHash(access) }),
    );
  }
  body["not-before-policy"] = subject.realm.notBefore;
  if (session) body.session_state = session.id;
  body.scope = subject.scope;
  return body;
}

/** A refresh token dies when the session would go idle or reaches its maximum, whichever comes first. */
export function refreshExpiry(realm: RealmRecord, startedMs: number, lastRefreshMs: number): number {
  const idle = Math.floor(lastRefreshMs / 1000) + realm.ssoSessionIdleTimeout;
  const max = Math.floor(startedMs / 1000) + realm.ssoSessionMaxLifespan;
  return Math.min(idle, max);
}

/** The claims of a refresh token this realm signed, or undefined; expiry is the caller's check. */
export async function readRefreshToken(realm: RealmRecord, token: string): Promise<Claims | undefined> {
  const { hmac } = await realm.keys;
  try {
    const { payload } = await jwtVerify(token, hmac.secret, {
      algorithms: ["HS512"],
      // The emulator's clock decides expiry, not the verifier's.
      currentDate: new Date(0),
    });
    return payload as Claims;
  } catch {
    return undefined;
  }
}

/**
 * The claims of an RS256 token this realm signed with a published key, or
 * undefined (wrong signature, unknown key, other issuer). Expiry is the caller's check.
 */
export async function readSignedToken(
  core: Core,
  realm: RealmRecord,
  token: string,
): Promise<Claims | undefined> {
  try {
    const { kid } = decodeProtectedHeader(token);
    const key = verificationKeys(await realm.keys).find((k) => k.kid === kid);
    if (!key) return undefined;
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: ["RS256"],
      issuer: realmUrl(core, realm.name),
      currentDate: new Date(0),
    });
    return payload as Claims;
  } catch {
    return undefined;
  }
}
