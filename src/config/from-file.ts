/**
 * Turns a configuration file's content into `createIdentity` options:
 * providers built by their factories (each checks its own fields), secrets
 * read from the environment passed in (never `process.env` here: the caller
 * decides where the environment comes from). Every problem — shape, a
 * missing variable, a provider's own field — comes back in one
 * `config_invalid` with its path in the file.
 */
import { invalidConfiguration, parseConfig } from "../core/config.js";
import { type ConfigIssue, IdSwitchError } from "../core/errors.js";
import { type FetchLike, honoursConnectTimeout } from "../core/runtime.js";
import type { IdentityOptionsInput } from "../identity/options.js";
import { entraId } from "../providers/entra/index.js";
import { keycloak } from "../providers/keycloak/index.js";
import { oidc } from "../providers/oidc/index.js";
import type { Provider } from "../providers/provider.js";
import { configFileSchema, type FileProvider } from "./file-schema.js";
import { readSecret } from "./secrets.js";

/**
 * Environment variables by name, as `process.env` holds them: where `{ "env": NAME }` secrets are read from.
 *
 * @example
 * const options = identityOptionsFromConfig(json, { env: { ENTRA_CLIENT_SECRET: "…" } });
 */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Builds `createIdentity` options from a configuration file's content. `fetch`, when given, is every
 * provider's `runtime.fetch`; a provider's `connectTimeoutMs` needs one that honours it (`nodeFetch()` from
 * `idswitch/node`, which `loadConfig` from `idswitch/config` passes), or it is a `config_invalid` issue.
 *
 * @example
 * import { sqliteLinkStore } from "idswitch/stores/sqlite";
 * const options = identityOptionsFromConfig(JSON.parse(text), { env: process.env });
 * const identity = createIdentity({ ...options, links: sqliteLinkStore({ path: "idswitch.db" }) });
 */
export function identityOptionsFromConfig(
  document: unknown,
  { env, fetch }: { env: Environment; fetch?: FetchLike | undefined },
): IdentityOptionsInput {
  const file = parseConfig(configFileSchema, document);
  const issues: ConfigIssue[] = [];
  const providers: Provider[] = [];
  file.providers.forEach((entry, index) => {
    const built = buildProvider(entry, `providers[${index}]`, { env, fetch }, issues);
    if (built) providers.push(built);
  });
  if (issues.length > 0) throw invalidConfiguration(issues);
  const { $schema: _schema, providers: _providers, directory: _directory, ...rest } = file;
  return { ...(rest as Omit<IdentityOptionsInput, "providers">), providers };
}

function buildProvider(
  entry: FileProvider,
  path: string,
  { env, fetch }: { env: Environment; fetch: FetchLike | undefined },
  issues: ConfigIssue[],
): Provider | undefined {
  const { type, clientSecret, timeoutMs, connectTimeoutMs, ...options } = entry;
  const before = issues.length;
  const secret = readSecret(clientSecret, `${path}.clientSecret`, env, issues);
  // Keycloak's admin service account (accountStatus, routing.authority): its secret read like the client's.
  const admin =
    "admin" in options
      ? (options.admin as { clientId: string; clientSecret: unknown } | undefined)
      : undefined;
  const adminSecret =
    admin === undefined
      ? undefined
      : readSecret(admin.clientSecret, `${path}.admin.clientSecret`, env, issues);
  if (connectTimeoutMs !== undefined && (fetch === undefined || !honoursConnectTimeout(fetch))) {
    issues.push({
      path: `${path}.connectTimeoutMs`,
      message:
        'needs a fetch that sees the connect phase: load the file with loadConfig from "idswitch/config" (Node), ' +
        'or pass { fetch: nodeFetch() } from "idswitch/node"',
    });
  }
  if (issues.length > before) return undefined;
  const runtime = {
    ...(fetch === undefined ? {} : { fetch }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
  };
  const input = {
    ...options,
    ...(admin === undefined ? {} : { admin: { clientId: admin.clientId, clientSecret: adminSecret } }),
    ...(secret === undefined ? {} : { clientSecret: secret }),
    ...(Object.keys(runtime).length === 0 ? {} : { runtime }),
  };
  try {
    if (type === "entra") return entraId(input as Parameters<typeof entraId>[0]);
    if (type === "keycloak") return keycloak(input as Parameters<typeof keycloak>[0]);
    return oidc(input as Parameters<typeof oidc>[0]);
  } catch (err) {
    if (!(err instanceof IdSwitchError) || err.code !== "config_invalid") throw err;
    for (const issue of err.issues ?? []) {
      issues.push({ path: issue.path === "(root)" ? path : `${path}.${issue.path}`, message: issue.message });
    }
    return undefined;
  }
}
