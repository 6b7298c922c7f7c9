/**
 * Turns the `directory` section of a configuration document into the options
 * of `entraDirectory()`, `keycloakDirectory()` and `mirror()`, with secrets
 * read from the environment passed in. Only that section's secrets are read:
 * a host that runs the mirror needs the mirror's credentials, not the web
 * app's. Problems come back in one `config_invalid`, each with its path.
 */
import { partial } from "zod/mini";
import { invalidConfiguration, parseConfig } from "../core/config.js";
import { type ConfigIssue, IdSwitchError } from "../core/errors.js";
import { type ConfigFile, configFileSchema } from "./file-schema.js";
import type { Environment } from "./from-file.js";
import { readSecret } from "./secrets.js";

/**
 * The directory mirror's configuration, ready for the library: `entraDirectory(config.source)`,
 * `keycloakDirectory(config.target)`, `mirror({ source, target, state, ...config.mirror })`.
 *
 * @example
 * import { entraDirectory, keycloakDirectory, mirror } from "idswitch/directory";
 * const config = directoryOptionsFromConfig(JSON.parse(text), { env: process.env });
 * const run = mirror({ source: entraDirectory(config.source), target: keycloakDirectory(config.target), state, ...config.mirror });
 */
export interface DirectoryConfig {
  readonly source: DirectoryOptionsFromFile<Section["source"]>;
  readonly target: DirectoryOptionsFromFile<Section["target"]>;
  /** Every option of `mirror()` but the source, the target, the state store and the progress callback. */
  readonly mirror: Omit<Section, "source" | "target" | "state">;
  /** `state.file` as written (relative to the configuration file's folder), if it was. */
  readonly stateFile: string | undefined;
}

type Section = NonNullable<ConfigFile["directory"]>;

/**
 * A directory's options as the file gives them: the secret read, `timeoutMs` moved to `runtime.timeoutMs`
 * (the fetch and the clock are code, not configuration).
 *
 * @example
 * import { keycloakDirectory } from "idswitch/directory";
 * const config = directoryOptionsFromConfig(document, { env: process.env });
 * const target = keycloakDirectory(config.target); // a DirectoryOptionsFromFile, taken as it is
 */
export type DirectoryOptionsFromFile<T> = Omit<T, "clientSecret" | "timeoutMs"> & {
  readonly clientSecret: string;
  readonly runtime?: { readonly timeoutMs: number };
};

/**
 * Reads the `directory` section of a configuration document (the whole document is checked for shape, but
 * `providers` may be left out; only this section's secrets are read from `env`). Throws `config_invalid`
 * listing every problem with its path.
 *
 * @example
 * import { directoryOptionsFromConfig } from "idswitch";
 * import { entraDirectory, keycloakDirectory, readiness } from "idswitch/directory";
 *
 * const config = directoryOptionsFromConfig(JSON.parse(text), { env: process.env });
 * const report = await readiness({
 *   source: entraDirectory(config.source),
 *   target: keycloakDirectory(config.target),
 *   roles: config.mirror.roles,
 * });
 */
export function directoryOptionsFromConfig(
  document: unknown,
  { env }: { env: Environment },
): DirectoryConfig {
  // The directory commands need no providers: a mirror host may be configured with this section alone.
  const file = parseConfig(partial(configFileSchema, { providers: true }), document);
  const section = file.directory;
  if (!section) {
    throw new IdSwitchError("config_invalid", "invalid configuration: directory: missing", {
      issues: [{ path: "directory", message: "missing: idswitch mirror and readiness read this section" }],
    });
  }
  const issues: ConfigIssue[] = [];
  const sourceSecret = readSecret(section.source.clientSecret, "directory.source.clientSecret", env, issues);
  const targetSecret = readSecret(section.target.clientSecret, "directory.target.clientSecret", env, issues);
  if (issues.length > 0) throw invalidConfiguration(issues);
  const { source, target, state, ...mirror } = section;
  return {
    source: withRuntime({ ...source, clientSecret: sourceSecret }),
    target: withRuntime({ ...target, clientSecret: targetSecret }),
    mirror,
    stateFile: state?.file,
  };
}

/** `timeoutMs` in the file is `runtime.timeoutMs` in the library (as for providers). */
function withRuntime<T extends { timeoutMs?: number | undefined; clientSecret: string | undefined }>(
  options: T,
): DirectoryOptionsFromFile<T> {
  const { timeoutMs, clientSecret, ...rest } = options;
  return {
    ...rest,
    clientSecret: clientSecret as string,
    ...(timeoutMs === undefined ? {} : { runtime: { timeoutMs } }),
  };
}
