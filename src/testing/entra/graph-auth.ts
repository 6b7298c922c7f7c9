/**
 * Who is calling the emulator's Graph: the bearer token must be a Graph
 * token this emulator minted (docs/reference/entra-id.md §5.6: signed over a header whose
 * `nonce` is replaced by its SHA-256 — so only Graph itself can check it),
 * for the Graph audience, unexpired, from a live tenant. Its `roles`
 * (application permissions, §11.7) or `scp` (delegated) decide what it may
 * read. Refusals are the 401/403 bodies of §11.1.
 */
import { createHash, createPublicKey, verify } from "node:crypto";
import { type Core, issuerV1 } from "./core.js";
import { GraphProblem, graphFail } from "./graph-http.js";
import { headerValue, type RequestContext } from "./http.js";
import { GRAPH_APP_ID, GRAPH_URI } from "./scopes.js";

export interface GraphCaller {
  readonly tid: string;
  /** The calling application's client id (`appid`). */
  readonly appId: string;
  readonly permissions: ReadonlySet<string>;
}

const AUDIENCES = new Set([GRAPH_URI, `${GRAPH_URI}/`, GRAPH_APP_ID]);

function invalidToken(message: string): never {
  graphFail(401, "InvalidAuthenticationToken", message);
}

export async function authenticateGraph(core: Core, ctx: RequestContext): Promise<GraphCaller> {
  const authorization = headerValue(ctx.headers, "authorization") ?? "";
  const token = /^Bearer\s+(.*)$/i.exec(authorization)?.[1]?.trim() ?? "";
  if (!token) invalidToken("Access token is empty.");
  const claims = await verifiedClaims(core, token);
  if (!AUDIENCES.has(String(claims.aud))) invalidToken("Access token validation failure. Invalid audience.");
  const seconds = Math.floor(ctx.now / 1000);
  if (typeof claims.exp !== "number" || claims.exp <= seconds || Number(claims.nbf ?? 0) > seconds + 300) {
    invalidToken("Access token has expired or is not yet valid.");
  }
  const tid = String(claims.tid);
  const tenant = core.directory.tenant(tid);
  // [guess] docs/reference/entra-id.md gives no Graph answer for a token of a tenant that is gone or blocked.
  const issuerOk = tenant !== undefined && claims.iss === issuerV1(core, tenant.id);
  if (!tenant || !issuerOk || tenant.state !== "active") {
    invalidToken("Access token validation failure. Invalid issuer.");
  }
  const roles = Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  const scp = typeof claims.scp === "string" ? claims.scp.split(" ") : [];
  return { tid: tenant.id, appId: String(claims.appid), permissions: new Set([...roles, ...scp]) };
}

/** The claims of a Graph token whose signature one of the emulator's published keys verifies. */
async function verifiedClaims(core: Core, token: string): Promise<Record<string, unknown>> {
  const [head = "", body = "", signature = ""] = token.split(".");
  // [guess] the real texts for malformed tokens and bad signatures are not in docs/reference/entra-id.md.
  const malformed = () => invalidToken("Access token validation failure.");
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(head, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return malformed();
  }
  if (header.alg !== "RS256") return malformed();
  // §5.6: a Graph token's signature covers the header with `nonce` → base64url(SHA-256(nonce)), same
  // member order. Other tokens of the emulator (for other APIs) verify as they are — and then fail on `aud`.
  const signedHead =
    typeof header.nonce === "string"
      ? Buffer.from(
          JSON.stringify({ ...header, nonce: createHash("sha256").update(header.nonce).digest("base64url") }),
        ).toString("base64url")
      : head;
  const input = `${signedHead}.${body}`;
  const keys = await core.keys.workKeys();
  const key = keys.find((k) => k.kid === header.kid);
  const valid =
    key !== undefined &&
    verify(
      "sha256",
      Buffer.from(input),
      createPublicKey(key.privateKey),
      Buffer.from(signature, "base64url"),
    );
  if (!valid) return malformed();
  return claims;
}

/**
 * The caller must hold one of `anyOf` (the permissions Graph documents for
 * the request, least privileged first). 403 otherwise [guess: the code and
 * text are Graph's usual directory answer; docs/reference/entra-id.md does not quote it].
 */
export function requirePermission(
  caller: GraphCaller,
  anyOf: readonly string[],
  denied: () => GraphProblem = insufficientPrivileges,
): void {
  if (anyOf.some((permission) => caller.permissions.has(permission))) return;
  throw denied();
}

function insufficientPrivileges(): GraphProblem {
  return new GraphProblem(
    403,
    "Authorization_RequestDenied",
    "Insufficient privileges to complete the operation.",
  );
}

/**
 * The audit log's refusal (§13.1): 403 `Authentication_MSGraphPermissionMissing`, "Calling principal
 * does not have required MSGraph permissions AuditLog.Read.All" — the answer published for the other
 * audit-log reads (sign-ins, provisioning) [guess: that directoryAudits answers the same].
 */
export function auditLogDenied(): GraphProblem {
  return new GraphProblem(
    403,
    "Authentication_MSGraphPermissionMissing",
    "Calling principal does not have required MSGraph permissions AuditLog.Read.All",
  );
}

/** Graph permissions per area (docs/reference/entra-id.md §11.1, §11.4, §11.5, §11.7; the higher ones include the lower). */
export const PERMISSIONS = {
  users: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  groups: [
    "GroupMember.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
  ],
  // [guess] a user's memberships: docs/reference/entra-id.md names GroupMember.Read.All for membership reads.
  memberships: ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  appRoleAssignments: [
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
  ],
  // §13.1: Microsoft lists "AuditLog.Read.All and Directory.Read.All"; Directory.Read.All is there for a
  // licence check the emulator does not make, so AuditLog.Read.All alone reads the log — and no other
  // permission does.
  auditLogs: ["AuditLog.Read.All"],
} as const;
