/// <reference types="node" />
/**
 * `idswitch/config`: loads the failover configuration for `createIdentity`
 * from a file or the environment (Node). Secrets come from the environment.
 *
 * @example
 * import { createIdentity } from "idswitch";
 * import { loadConfig } from "idswitch/config";
 *
 * const identity = createIdentity(await loadConfig()); // ./idswitch.config.json, or IDSWITCH_CONFIG
 *
 * @module idswitch/config
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  type Environment,
  type IdentityOptionsInput,
  IdSwitchError,
  identityOptionsFromConfig,
} from "idswitch";

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** A JSON file; default: IDSWITCH_CONFIG_FILE, else ./idswitch.config.json (unless IDSWITCH_CONFIG holds the JSON). */
  readonly path?: string | undefined;
  /** Where secrets and IDSWITCH_CONFIG are read from; default `process.env`. */
  readonly env?: Environment | undefined;
}

/** Where the configuration comes from, for messages ("idswitch.config.json", "IDSWITCH_CONFIG"). */
export interface ConfigSource {
  readonly name: string;
  readonly text: string;
}

/**
 * Reads the configuration (a file, or `IDSWITCH_CONFIG`), resolves `{ "env": NAME }` secrets and validates it; throws `config_invalid` listing each problem with its path.
 *
 * @example
 * import { createIdentity } from "idswitch";
 * import { loadConfig } from "idswitch/config";
 *
 * const identity = createIdentity(await loadConfig({ path: "./idswitch.config.json" }));
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<IdentityOptionsInput> {
  const env = options.env ?? process.env;
  const source = await readConfigSource(options.path, env);
  return identityOptionsFromConfig(parseJson(source), { env });
}

/**
 * Finds the configuration text: the JSON in `IDSWITCH_CONFIG` when no `path` is given, else the file at `path`,
 * `IDSWITCH_CONFIG_FILE` or `./idswitch.config.json`. Used by the CLI to name the source in its messages.
 *
 * @example
 * const source = await readConfigSource(undefined, process.env);
 * console.log(`checking ${source.name}`);
 */
export async function readConfigSource(path: string | undefined, env: Environment): Promise<ConfigSource> {
  if (path === undefined && env.IDSWITCH_CONFIG)
    return { name: "IDSWITCH_CONFIG", text: env.IDSWITCH_CONFIG };
  const file = resolve(path ?? env.IDSWITCH_CONFIG_FILE ?? "idswitch.config.json");
  try {
    return { name: file, text: await readFile(file, "utf8") };
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw new IdSwitchError("config_invalid", `${file}: ${missing ? "no such file" : "cannot be read"}`, {
      issues: [{ path: "(file)", message: missing ? `no such file: ${file}` : `cannot read ${file}` }],
    });
  }
}

/** JSON.parse, with the position of a syntax error but never the text around it (it may hold a secret). */
export function parseJson(source: ConfigSource): unknown {
  try {
    return JSON.parse(source.text);
  } catch (err) {
    const position = Number(/position (\d+)/.exec((err as Error).message)?.[1] ?? Number.NaN);
    const where = Number.isNaN(position) ? "" : ` at line ${lineOf(source.text, position)}`;
    const message = `not valid JSON${where}`;
    throw new IdSwitchError("config_invalid", `${source.name}: ${message}`, {
      issues: [{ path: "(file)", message }],
    });
  }
}

function lineOf(text: string, position: number): number {
  return text.slice(0, position).split("\n").length;
}
