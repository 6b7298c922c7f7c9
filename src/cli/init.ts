/**
 * `idswitch init`: a first `idswitch.config.json` in one command — Entra ID
 * and an EU Keycloak, the routing order, whose word counts (`authority`),
 * the link claim and the providers it counts from, secrets as `{ "env" }`
 * references — and what to create at each provider for it to work.
 *
 * JSON has no comments and the loader reads strict JSON against a strict
 * schema (no JSONC, no `$comment`), so the file carries only a `$schema`
 * reference (editors then show each key's description and check it as
 * loadConfig will) and the explanations are printed beside it. The file is
 * checked by the same validation as `doctor` before it is written, and an
 * existing file is never overwritten (an exclusive create, not a check then
 * a write).
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { IdSwitchError, identityOptionsFromConfig } from "idswitch";
import { type FlagSpec, parseArgs, stringFlag, UsageError } from "./args.js";
import type { CommandIo } from "./io.js";
import { printIssues } from "./issues.js";

export const INIT_HELP = `Usage: idswitch init [--config <file>] [--tenant-id <guid>] [--client-id <guid>]
                     [--keycloak-issuer <url>] [--keycloak-client-id <id>] [--app-url <url>]

Writes a starter configuration (default ./idswitch.config.json; never over an existing file): Entra ID and an
EU Keycloak, routing order Entra first, the EU Keycloak as the authority, the link claim entra_id trusted
from the EU Keycloak only, secrets as { "env": NAME } references. Prints what to create at each provider.
Then: set the variables it names and run "idswitch doctor".

Options:
  --config <file>              where to write (default ./idswitch.config.json)
  --tenant-id <guid>           the Entra directory (tenant) id (default: a placeholder to replace)
  --client-id <guid>           the Entra application (client) id (default: a placeholder to replace)
  --keycloak-issuer <url>      the Keycloak realm's issuer, https://host/realms/name
                               (default https://auth.example.eu/realms/acme)
  --keycloak-client-id <id>    the Keycloak client (default portal)
  --app-url <url>              the application's origin; redirect URIs are <url>/callback/entra and
                               <url>/callback/eu (default http://localhost:3000)

Exit codes: 0 written; 2 the file exists, or a usage or value error (nothing written).`;

const SPEC: FlagSpec = {
  config: "string",
  "tenant-id": "string",
  "client-id": "string",
  "keycloak-issuer": "string",
  "keycloak-client-id": "string",
  "app-url": "string",
};

/** A GUID that passes validation but names no tenant: doctor reports it until it is replaced. */
const PLACEHOLDER_GUID = "00000000-0000-0000-0000-000000000000";

/** What the starter is made of. */
export interface StarterValues {
  readonly tenantId: string;
  readonly clientId: string;
  readonly keycloakIssuer: string;
  readonly keycloakClientId: string;
  readonly appUrl: string;
}

const SECRETS = {
  entra: "ENTRA_CLIENT_SECRET",
  keycloak: "KEYCLOAK_CLIENT_SECRET",
  keycloakAdmin: "KEYCLOAK_ADMIN_CLIENT_SECRET",
} as const;
/** The realm's service-account client the authority is asked through. */
const ADMIN_CLIENT = "idswitch-admin";
const LINK_CLAIM = "entra_id";

/** The starter document: the shape README's "The failover configuration as a file" describes. */
export function starterConfig(values: StarterValues): Record<string, unknown> {
  return {
    $schema: "./node_modules/idswitch/dist/idswitch.config.schema.json",
    providers: [
      {
        type: "entra",
        id: "entra",
        tenantId: values.tenantId,
        clientId: values.clientId,
        clientSecret: { env: SECRETS.entra },
        redirectUri: `${values.appUrl}/callback/entra`,
      },
      {
        type: "keycloak",
        id: "eu",
        issuer: values.keycloakIssuer,
        clientId: values.keycloakClientId,
        clientSecret: { env: SECRETS.keycloak },
        redirectUri: `${values.appUrl}/callback/eu`,
        admin: { clientId: ADMIN_CLIENT, clientSecret: { env: SECRETS.keycloakAdmin } },
      },
    ],
    routing: { order: ["entra", "eu"], onSuspension: "offer", authority: ["eu"] },
    linking: { claim: { name: LINK_CLAIM, provider: "entra", from: ["eu"] } },
  };
}

export async function runInit(io: CommandIo): Promise<number> {
  let path: string;
  let values: StarterValues;
  try {
    const parsed = parseArgs(io.args, SPEC);
    if (parsed.flags.help) {
      io.write(INIT_HELP);
      return 0;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    path = resolve(stringFlag(parsed, "config") ?? "idswitch.config.json");
    values = {
      tenantId: stringFlag(parsed, "tenant-id") ?? PLACEHOLDER_GUID,
      clientId: stringFlag(parsed, "client-id") ?? PLACEHOLDER_GUID,
      keycloakIssuer: (
        stringFlag(parsed, "keycloak-issuer") ?? "https://auth.example.eu/realms/acme"
      ).replace(/\/+$/, ""),
      keycloakClientId: stringFlag(parsed, "keycloak-client-id") ?? "portal",
      appUrl: (stringFlag(parsed, "app-url") ?? "http://localhost:3000").replace(/\/+$/, ""),
    };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`idswitch init: ${err.message}\n\n${INIT_HELP}\n`);
    return 2;
  }
  const document = starterConfig(values);
  // The same validation doctor runs, with the secrets' variables standing in: a value given on the command
  // line that a provider refuses (a tenant id that is no GUID, an http issuer) is reported, nothing written.
  try {
    const standIns = Object.fromEntries(Object.values(SECRETS).map((name) => [name, "x"]));
    identityOptionsFromConfig(document, { env: standIns });
  } catch (err) {
    if (!(err instanceof IdSwitchError) || err.code !== "config_invalid") throw err;
    printIssues(err, false, (line) => io.stderr.write(`${line}\n`));
    io.stderr.write("idswitch init: nothing written\n");
    return 2;
  }
  try {
    await writeFile(path, `${JSON.stringify(document, null, 2)}\n`, { flag: "wx", mode: 0o644 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    io.stderr.write(`idswitch init: ${path} exists; not overwriting it (move it away, or use --config)\n`);
    return 2;
  }
  for (const line of notes(path, values)) io.write(line);
  return 0;
}

/** What the file means and what to create at each provider, printed beside it (JSON holds no comments). */
function notes(path: string, values: StarterValues): string[] {
  const realm = /\/realms\/([^/]+)$/.exec(values.keycloakIssuer)?.[1] ?? "(the realm in the issuer)";
  const server = values.keycloakIssuer.replace(/\/realms\/[^/]+$/, "");
  const placeholders = [values.tenantId, values.clientId].includes(PLACEHOLDER_GUID);
  return [
    `Wrote ${path}`,
    "",
    "What it says (JSON has no comments; the $schema reference gives your editor each key's description):",
    '  providers        Entra ID (id entra) and the EU Keycloak (id eu); secrets are { "env": NAME } references,',
    "                   read from the environment when the file is loaded, never written in the file",
    "  routing.order    sign-ins go to entra first; an outage (refused, timeout, 5xx, 429) moves them to eu.",
    "                   Making eu the primary is the one-line change of this list",
    "  routing.onSuspension  offer: a person Microsoft disables is offered the EU sign-in, never moved silently",
    "  routing.authority     eu speaks for the organisation: a disable there binds the person at every provider",
    `  linking.claim    the ${LINK_CLAIM} claim (Entra tid:oid) in tokens from eu — and only eu ("from") — finds`,
    "                   the same app user as the person's Entra account",
    "",
    "Create at Microsoft Entra ID (portal: App registrations → New registration):",
    "  Supported account types   accounts in this organizational directory only (single tenant)",
    `  Redirect URI (Web)        ${values.appUrl}/callback/entra`,
    "  Certificates & secrets    a client secret: its value goes in the variable ENTRA_CLIENT_SECRET",
    "  API permissions           Microsoft Graph (delegated): openid, profile, email, offline_access",
    `  then copy                 Directory (tenant) ID → tenantId${values.tenantId === PLACEHOLDER_GUID ? " (a placeholder now)" : ""}`,
    `                            Application (client) ID → clientId${values.clientId === PLACEHOLDER_GUID ? " (a placeholder now)" : ""}`,
    "",
    `Create at Keycloak (${server}, realm ${realm}; Clients → Create client):`,
    `  Client ID                 ${values.keycloakClientId} (OpenID Connect)`,
    "  Client authentication     On (confidential); Standard flow On; Direct access grants Off",
    `  Valid redirect URIs       ${values.appUrl}/callback/eu`,
    `  Web origins               ${values.appUrl}`,
    "  Advanced → PKCE method    S256",
    "  Credentials               the client secret: its value goes in the variable KEYCLOAK_CLIENT_SECRET",
    `  ${`Link claim ${LINK_CLAIM}`.padEnd(26)}an admin-only user-profile attribute ${LINK_CLAIM}, mapped into this client's tokens:`,
    "                            idswitch mirror apply declares and maps it; doctor checks that only admins can write it",
    `  For routing.authority     a confidential client ${ADMIN_CLIENT} with a service account allowed to view users`,
    "                            (realm-management: view-users): idswitch asks it about a person's account through",
    `                            the admin API; its secret goes in the variable ${SECRETS.keycloakAdmin}`,
    "",
    "Next:",
    `  export ${SECRETS.entra}=… ${SECRETS.keycloak}=… ${SECRETS.keycloakAdmin}=…`,
    `  npx idswitch doctor${path === resolve("idswitch.config.json") ? "" : ` --config ${path}`}`,
    ...(placeholders ? ["  (doctor reports the placeholder ids until you replace them)"] : []),
  ];
}
