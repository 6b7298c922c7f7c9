/**
 * What `idswitch mirror` and `idswitch readiness` share: the configuration's
 * `directory` section (file, IDSWITCH_CONFIG or IDSWITCH__* variables),
 * the source and target built from it, where the checkpoint file is, and
 * how a failure becomes an exit code.
 */
import { dirname, resolve } from "node:path";
import { type DirectoryConfig, directoryOptionsFromConfig, type Environment, IdSwitchError } from "idswitch";
import {
  type DirectorySource,
  entraDirectory,
  type KeycloakTarget,
  keycloakDirectory,
} from "idswitch/directory";
import { readConfig, withSources } from "../config/node.js";
import { UsageError } from "./args.js";
import { printIssues } from "./issues.js";

/** Default checkpoint file, in the working folder. */
export const DEFAULT_STATE_FILE = ".idswitch/mirror-state.json";

/** Exit codes of the directory commands (documented in their help). */
export const EXIT = { ok: 0, found: 1, usage: 2, failed: 3 } as const;

export interface LoadedDirectory {
  /** Where the configuration came from, for the report's header. */
  readonly name: string;
  readonly config: DirectoryConfig;
  readonly source: DirectorySource;
  readonly target: KeycloakTarget;
  /** The checkpoint file, absolute: `--state`, else `directory.state.file` (relative to the config file), else the default. */
  readonly statePath: string;
}

export async function loadDirectory(
  options: { config?: string | undefined; state?: string | undefined },
  env: Environment,
): Promise<LoadedDirectory> {
  const loaded = await readConfig(options.config, env);
  let config: DirectoryConfig;
  try {
    config = directoryOptionsFromConfig(loaded.document, { env });
  } catch (err) {
    throw withSources(err, loaded);
  }
  const folder = loaded.file ? dirname(loaded.file) : process.cwd();
  const statePath = options.state
    ? resolve(options.state)
    : config.stateFile
      ? resolve(folder, config.stateFile)
      : resolve(DEFAULT_STATE_FILE);
  return {
    name: loaded.name,
    config,
    source: entraDirectory(config.source),
    target: keycloakDirectory(config.target),
    statePath,
  };
}

/**
 * Turns what a command threw into its exit code, with a message for the operator: a usage or configuration
 * problem is 2 (the command's help follows a usage problem), anything else (the source or the target failing) is 3.
 */
export function exitCodeFor(
  err: unknown,
  context: {
    command: string;
    help: string;
    json: boolean;
    write: (line: string) => void;
    error: (line: string) => void;
  },
): number {
  if (err instanceof UsageError) {
    context.error(`${context.command}: ${err.message}${err.help ? `\n\n${context.help}` : ""}`);
    return EXIT.usage;
  }
  if (err instanceof IdSwitchError && err.code === "config_invalid") {
    printIssues(err, context.json, context.json ? context.write : context.error);
    return EXIT.usage;
  }
  if (err instanceof IdSwitchError) {
    const who = err.provider ? ` (${err.provider})` : "";
    context.error(`${context.command}: ${err.code}${who}: ${err.message}`);
  } else {
    context.error(`${context.command}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return EXIT.failed;
}
