/**
 * Looks through everything reachable from a value, as a logger or
 * `util.inspect` would — own members enumerable or not, the cause chain,
 * arrays, maps and sets, URLs, search parameters, headers — for what must
 * never be there:
 *
 * - a JWT (an access, ID, refresh or logout token, a client assertion);
 * - a claims set (an object with `iss` and `exp`, or `iss`, `sub` and `aud`);
 * - a credential by its name (`access_token`, `refresh_token`, `client_secret`,
 *   `password`, `code_verifier`…) or an authorization `code`;
 * - a token or code as a URL parameter (`?code=…`, `#access_token=…`);
 * - an HTTP message (a Request or Response: its body and headers may hold any of them).
 *
 * Answers where (a path such as `cause.payload`) and what kind, never the value.
 */

export interface Leak {
  readonly path: string;
  readonly kind: string;
}

const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}/;
const CREDENTIAL_NAME =
  /^(?:access_?token|refresh_?token|id_?token|logout_?token|subject_?token|actor_?token|client_?secret|client_?assertion|assertion|code_?verifier|device_?code|password|secret|private_?key)$/i;
/** A numeric value is an error number (Entra's `error_uri` ends in `?code=50126`), not a credential. */
const CREDENTIAL_PARAMETER =
  /[?&#;](?:code|access_token|id_token|refresh_token|client_secret|code_verifier|assertion)=(?!\d+(?:[&#\s]|$))[^&#\s]{6,}/i;
/** An error's own code (`ECONNREFUSED`, `ERR_JWT_EXPIRED`, `token_invalid`): not an authorization code. */
const ERROR_CODE = /^(?:[A-Z][A-Z0-9_]*|[a-z][a-z_]*)$/;
const MAX_DEPTH = 12;

export function findLeaks(root: unknown): Leak[] {
  const leaks: Leak[] = [];
  const seen = new WeakSet<object>();

  const visit = (value: unknown, path: string, depth: number): void => {
    if (typeof value === "string") {
      if (JWT.test(value)) leaks.push({ path, kind: "a JWT" });
      else if (CREDENTIAL_PARAMETER.test(value))
        leaks.push({ path, kind: "a credential in a URL parameter" });
      return;
    }
    if (typeof value !== "object" || value === null || depth > MAX_DEPTH || seen.has(value)) return;
    seen.add(value);
    if (value instanceof Request || value instanceof Response) {
      leaks.push({ path, kind: "an HTTP message" });
      return;
    }
    if (value instanceof URL) {
      visit(value.href, path, depth + 1);
      return;
    }
    if (value instanceof URLSearchParams || value instanceof Headers || value instanceof Map) {
      members([...(value as Map<unknown, unknown>).entries()], path, depth);
      return;
    }
    if (value instanceof Set || Array.isArray(value)) {
      for (const [i, item] of [...value].entries()) visit(item, `${path}[${i}]`, depth + 1);
      return;
    }
    const record = value as Record<string, unknown>;
    if ("iss" in record && ("exp" in record || ("sub" in record && "aud" in record))) {
      leaks.push({ path, kind: "a claims set" });
    }
    const own = Reflect.ownKeys(value).flatMap((key) => {
      if (typeof key !== "string") return [];
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
      return descriptor && "value" in descriptor ? [[key, descriptor.value] as const] : [];
    });
    members(own, path, depth);
  };

  const members = (entries: ReadonlyArray<readonly [unknown, unknown]>, path: string, depth: number) => {
    for (const [key, member] of entries) {
      const at = path === "" ? String(key) : `${path}.${String(key)}`;
      const name = String(key);
      if (CREDENTIAL_NAME.test(name) && member !== undefined && member !== "") {
        leaks.push({ path: at, kind: `a credential named "${name}"` });
      } else if (name === "code" && typeof member === "string" && !ERROR_CODE.test(member)) {
        leaks.push({ path: at, kind: "an authorization code" });
      } else {
        visit(member, at, depth + 1);
      }
    }
  };

  visit(root, "", 0);
  return leaks;
}
