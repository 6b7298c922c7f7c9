/**
 * Identifiers and time formats as Entra writes them. Every value is random per
 * call; nothing here is cached, so emulators in one process never share state.
 */
import { randomBytes, randomInt, randomUUID } from "node:crypto";

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function guid(): string {
  return randomUUID();
}

export function randomBase64Url(bytes: number): string {
  return randomBytes(bytes).toString("base64url");
}

/** MSA object ids start with `00000000-0000-0000-` (docs/reference/entra-id.md §5.2). */
export function msaObjectId(): string {
  return `00000000-0000-0000-${randomUUID().slice(19)}`;
}

/** `uti`: a 22-character base64url token id (§12.4). */
export function tokenId(): string {
  return randomBase64Url(16);
}

/** Opaque grants (codes, refresh tokens) look like Entra's `1.A…` blobs; nobody may parse them. */
export function opaqueGrant(): string {
  return `1.A${randomBase64Url(96)}`;
}

/** Device-flow user codes: 9 upper-case alphanumerics, e.g. `BPPVYQZMA` (§4.1). */
export function userCode(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  let code = "";
  for (let i = 0; i < 9; i++) code += alphabet[randomInt(alphabet.length)];
  return code;
}

/** Error-body timestamps: `2021-07-21 07:56:39Z` — a space, no `T`, no fraction (§6.1). */
export function entraTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
}

/** .NET round-trip time with 7 fractional digits, as 50173/70043 texts quote it (§6.4). */
export function dotnetIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

/** .NET TimeSpan text (`90.00:00:00`), as 700082 quotes the inactivity (docs/reference/entra-id.md §6.4, error reference). */
export function dotnetTimeSpan(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const two = (n: number) => String(n).padStart(2, "0");
  const clock = `${two(Math.floor((total % 86_400) / 3600))}:${two(Math.floor((total % 3600) / 60))}:${two(total % 60)}`;
  return days > 0 ? `${days}.${clock}` : clock;
}
