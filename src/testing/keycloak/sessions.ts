/**
 * Protocol state of one emulator: user sessions (what `sid` names and what
 * refresh tokens hang on), login transactions ("authentication sessions"),
 * authorization codes and device flows. In-memory maps; expiry is checked
 * against the emulator's clock when a value is used.
 */
import { randomBytes, randomInt, randomUUID } from "node:crypto";

export interface UserSession {
  readonly id: string;
  readonly realm: string;
  readonly userId: string;
  /** Epoch ms. */
  readonly started: number;
  lastRefresh: number;
  /** Epoch seconds of the password check (`auth_time`). */
  readonly authTime: number;
  /** Client ids that got tokens in this session. */
  readonly clients: Set<string>;
  ended: boolean;
}

/** A validated authorization request (browser or device), waiting for the person. */
export interface AuthRequest {
  readonly realm: string;
  readonly clientId: string;
  readonly scope: string;
  readonly redirectUri: string | undefined;
  readonly state: string | undefined;
  readonly nonce: string | undefined;
  readonly codeChallenge: { readonly value: string; readonly method: "S256" | "plain" } | undefined;
  readonly responseMode: "query" | "fragment";
  readonly loginHint: string | undefined;
  /** `kc_action`: an application-initiated action to run once the person is authenticated. */
  readonly kcAction: string | undefined;
  /** Set for a device login: the flow being approved. */
  readonly deviceCode: string | undefined;
}

/** Keycloak's "authentication session": one login in one browser tab. */
export interface LoginTransaction {
  readonly tabId: string;
  /** Value of the `AUTH_SESSION_ID` cookie that must come back with the form. */
  readonly browserId: string;
  readonly request: AuthRequest;
  readonly expiresAt: number;
  /** Set once the password was right; then required actions or consent follow. */
  userId?: string | undefined;
}

export interface AuthorizationCode {
  readonly realm: string;
  readonly clientId: string;
  readonly sessionId: string;
  readonly request: AuthRequest;
  readonly expiresAt: number;
  /** "1" after a password check, "0" when the SSO cookie signed the user in. */
  readonly acr: "0" | "1";
  used: boolean;
}

export interface DeviceFlow {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly realm: string;
  readonly clientId: string;
  readonly scope: string;
  readonly expiresAt: number;
  readonly interval: number;
  status: "pending" | "approved" | "denied" | "redeemed";
  sessionId?: string;
  lastPoll?: number;
}

export class SessionStore {
  readonly #sessions = new Map<string, UserSession>();
  readonly #logins = new Map<string, LoginTransaction>();
  readonly #codes = new Map<string, AuthorizationCode>();
  readonly #devices = new Map<string, DeviceFlow>();
  readonly #revoked = new Set<string>();

  startSession(realm: string, userId: string, now: number): UserSession {
    const session: UserSession = {
      id: randomUUID(),
      realm,
      userId,
      started: now,
      lastRefresh: now,
      authTime: Math.floor(now / 1000),
      clients: new Set(),
      ended: false,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  session(id: string): UserSession | undefined {
    return this.#sessions.get(id);
  }

  /** Ends every session of a user (admin "sign out"); returns how many were open. */
  endSessionsOf(realm: string, userId: string): number {
    let ended = 0;
    for (const session of this.#sessions.values()) {
      if (session.realm === realm && session.userId === userId && !session.ended) {
        session.ended = true;
        ended++;
      }
    }
    return ended;
  }

  /** An access token's `jti`, revoked until it expires anyway. */
  revoke(jti: string): void {
    this.#revoked.add(jti);
  }

  isRevoked(jti: string): boolean {
    return this.#revoked.has(jti);
  }

  beginLogin(request: AuthRequest, browserId: string, expiresAt: number): LoginTransaction {
    const login: LoginTransaction = {
      tabId: randomBytes(8).toString("base64url"),
      browserId,
      request,
      expiresAt,
    };
    this.#logins.set(login.tabId, login);
    return login;
  }

  login(tabId: string, now: number): LoginTransaction | undefined {
    const login = this.#logins.get(tabId);
    return login && login.expiresAt > now ? login : undefined;
  }

  endLogin(tabId: string): void {
    this.#logins.delete(tabId);
  }

  /** `<uuid>.<session id>.<client uuid>` [guess: the shape of Keycloak's codes, from its OAuth2CodeParser]. */
  issueCode(code: Omit<AuthorizationCode, "used">, clientUuid: string): string {
    const value = `${randomUUID()}.${code.sessionId}.${clientUuid}`;
    this.#codes.set(value, { ...code, used: false });
    return value;
  }

  code(value: string): AuthorizationCode | undefined {
    return this.#codes.get(value);
  }

  startDeviceFlow(flow: Omit<DeviceFlow, "deviceCode" | "userCode" | "status">): DeviceFlow {
    const started: DeviceFlow = {
      ...flow,
      deviceCode: randomBytes(32).toString("base64url"),
      userCode: deviceUserCode(),
      status: "pending",
    };
    this.#devices.set(started.deviceCode, started);
    return started;
  }

  deviceFlow(deviceCode: string): DeviceFlow | undefined {
    return this.#devices.get(deviceCode);
  }

  deviceFlowByUserCode(realm: string, userCode: string): DeviceFlow | undefined {
    const wanted = userCode.trim().toUpperCase();
    for (const flow of this.#devices.values()) {
      if (flow.realm === realm && flow.userCode === wanted) return flow;
    }
    return undefined;
  }
}

/** `ABCD-EFGH`: two groups of four upper-case letters, as Keycloak shows them (seen on 26.7.3). */
function deviceUserCode(): string {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const group = () => Array.from({ length: 4 }, () => letters[randomInt(letters.length)]).join("");
  return `${group()}-${group()}`;
}
