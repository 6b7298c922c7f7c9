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
  applyConfigVariables,
  CONFIG_VARIABLE_PREFIX,
  type ConfigVariable,
  type Environment,
  type FetchLike,
  type IdentityOptionsInput,
  IdSwitchError,
  identityOptionsFromConfig,
} from "idswitch";
import { nodeFetch } from "../node/fetch.js";

/**
 * Options of {@link loadConfig}.
 *
 * @example
 * const options = await loadConfig({ path: "/etc/idswitch/config.json", env: process.env });
 */
export interface LoadConfigOptions {
  /** A JSON file; default: IDSWITCH_CONFIG_FILE, else ./idswitch.config.json (unless IDSWITCH_CONFIG holds the JSON). */
  readonly path?: string | undefined;
  /** Where secrets, IDSWITCH_CONFIG and IDSWITCH__* variables are read from; default `process.env`. */
  readonly env?: Environment | undefined;
  /**
   * Every provider's `runtime.fetch`; default one `nodeFetch()` from `idswitch/node` shared by all (a connect
   * budget of 2 s, or each provider's `connectTimeoutMs`, over kept-alive connections). A web fetch here makes
   * a provider's `connectTimeoutMs` a configuration error.
   */
  readonly fetch?: FetchLike | undefined;
}

/**
 * Where the configuration comes from, for messages ("idswitch.config.json", "IDSWITCH_CONFIG").
 *
 * @example
 * const source: ConfigSource = await readConfigSource(undefined, process.env);
 * const document = parseJson(source);
 */
export interface ConfigSource {
  readonly name: string;
  /** The JSON text; `{}` when only `IDSWITCH__*` variables configure (they are laid over it). */
  readonly text: string;
}

/**
 * The configuration as read, before validation: the base (a file, `IDSWITCH_CONFIG`, or nothing) with the
 * `IDSWITCH__*` variables laid over it, and where each part came from.
 *
 * @example
 * const config = await readConfig(undefined, process.env);
 * console.log(`checking ${config.name}`); // "idswitch.config.json + 2 IDSWITCH__* variables"
 */
export interface ConfigDocument {
  /** Every source, for messages. */
  readonly name: string;
  readonly document: unknown;
  /** The file read, as an absolute path; `undefined` when the configuration came from the environment only. */
  readonly file: string | undefined;
  /** The `IDSWITCH__*` variables applied. */
  readonly variables: readonly ConfigVariable[];
  /** The file or variable a configuration issue at `path` (`providers[0].clientId`) points at. */
  sourceOf(path: string): string;
}

/**
 * Reads the configuration (a file, or `IDSWITCH_CONFIG`, with `IDSWITCH__*` variables laid over it), resolves
 * `{ "env": NAME }` secrets and validates it; throws `config_invalid` listing each problem with its path and
 * its source (the file, or the variable that set it).
 *
 * Precedence: the base is the file at `path`, else the JSON in `IDSWITCH_CONFIG`, else the file named by
 * `IDSWITCH_CONFIG_FILE`, else `./idswitch.config.json` (optional when `IDSWITCH__*` variables are set).
 * `IDSWITCH__*` variables then override the base key by key, as .NET's environment variables override
 * `appsettings.json`.
 *
 * @example
 * import { createIdentity } from "idswitch";
 * import { loadConfig } from "idswitch/config";
 *
 * const identity = createIdentity(await loadConfig({ path: "./idswitch.config.json" }));
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<IdentityOptionsInput> {
  const env = options.env ?? process.env;
  const config = await readConfig(options.path, env);
  try {
    // The loader is Node-only, so its providers get a fetch that can keep a connect budget.
    return identityOptionsFromConfig(config.document, { env, fetch: options.fetch ?? nodeFetch() });
  } catch (err) {
    throw withSources(err, config);
  }
}

/**
 * Reads the configuration without validating it: the base source ({@link readConfigSource}) parsed, the
 * `IDSWITCH__*` variables laid over it. Used by the CLI, which validates the parts each command needs.
 *
 * @example
 * const config = await readConfig("idswitch.config.json", process.env);
 * const options = identityOptionsFromConfig(config.document, { env: process.env });
 */
export async function readConfig(path: string | undefined, env: Environment): Promise<ConfigDocument> {
  const base = await readConfigSource(path, env);
  const file = base.name === "IDSWITCH_CONFIG" || base.name === FROM_VARIABLES ? undefined : base.name;
  const parsed = parseJson(base);
  const { document, variables } = applyConfigVariables(
    base.name === FROM_VARIABLES ? undefined : parsed,
    env,
  );
  const count = `${variables.length} IDSWITCH__* variable${variables.length === 1 ? "" : "s"}`;
  const name =
    base.name === FROM_VARIABLES ? count : variables.length > 0 ? `${base.name} + ${count}` : base.name;
  return {
    name,
    document,
    file,
    variables,
    sourceOf: (at) =>
      variableFor(variables, at) ?? (base.name === FROM_VARIABLES ? unsetVariable(at, count) : base.name),
  };
}

/** The base's name when only `IDSWITCH__*` variables configure. */
const FROM_VARIABLES = "(IDSWITCH__* variables)";

/**
 * Finds the base configuration text: the file at `path`; else the JSON in `IDSWITCH_CONFIG`; else the file at
 * `IDSWITCH_CONFIG_FILE` or `./idswitch.config.json`; else, when `IDSWITCH__*` variables are set, an empty
 * document for them to fill. Used by the CLI to name the source in its messages.
 *
 * @example
 * const source = await readConfigSource(undefined, process.env);
 * console.log(`checking ${source.name}`);
 */
export async function readConfigSource(path: string | undefined, env: Environment): Promise<ConfigSource> {
  if (path === undefined && env.IDSWITCH_CONFIG)
    return { name: "IDSWITCH_CONFIG", text: env.IDSWITCH_CONFIG };
  const explicit = path ?? env.IDSWITCH_CONFIG_FILE;
  const file = resolve(explicit ?? "idswitch.config.json");
  try {
    return { name: file, text: await readFile(file, "utf8") };
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    const variables = Object.keys(env).some((k) => k.startsWith(CONFIG_VARIABLE_PREFIX));
    if (missing && explicit === undefined && variables) return { name: FROM_VARIABLES, text: "{}" };
    const message = !missing
      ? `cannot read ${file}`
      : explicit === undefined
        ? `no such file: ${file} (and neither IDSWITCH_CONFIG nor IDSWITCH__* variables are set)`
        : `no such file: ${file}`;
    throw new IdSwitchError("config_invalid", `${file}: ${missing ? "no such file" : "cannot be read"}`, {
      issues: [{ path: "(file)", message, source: file }],
    });
  }
}

/**
 * JSON.parse, with the position of a syntax error but never the text around it (it may hold a secret).
 *
 * @example
 * const document = parseJson({ name: "idswitch.config.json", text: await readFile("idswitch.config.json", "utf8") });
 */
export function parseJson(source: ConfigSource): unknown {
  try {
    return JSON.parse(source.text);
  } catch (err) {
    const position = Number(/position (\d+)/.exec((err as Error).message)?.[1] ?? Number.NaN);
    const where = Number.isNaN(position) ? "" : ` at line ${lineOf(source.text, position)}`;
    const message = `not valid JSON${where}`;
    throw new IdSwitchError("config_invalid", `${source.name}: ${message}`, {
      issues: [{ path: "(file)", message, source: source.name }],
    });
  }
}

/**
 * The same `config_invalid` error with each issue naming its source (the file, or the `IDSWITCH__*` variable
 * that set the value); any other error unchanged.
 *
 * @example
 * try {
 *   identityOptionsFromConfig(config.document, { env });
 * } catch (err) {
 *   throw withSources(err, config);
 * }
 */
export function withSources(err: unknown, config: ConfigDocument): unknown {
  if (!(err instanceof IdSwitchError) || err.code !== "config_invalid" || !err.issues) return err;
  const issues = err.issues.map((i) => {
    const source = i.source ?? config.sourceOf(i.path);
    // "12345" from a variable became a number; a string field wants it quoted.
    const unquoted =
      source.startsWith(CONFIG_VARIABLE_PREFIX) &&
      /expected string, received (number|boolean)/.test(i.message);
    const message = unquoted ? `${i.message} (quote it to keep it text: "…")` : i.message;
    return { ...i, message, source };
  });
  const list = issues.map((i) => `${i.path}: ${i.message} (${i.source})`).join("; ");
  return new IdSwitchError("config_invalid", `invalid configuration: ${list}`, { issues });
}

function lineOf(text: string, position: number): number {
  return text.slice(0, position).split("\n").length;
}

/**
 * Which variable an issue at `path` points at: the one that set it, the ones that set something inside it
 * (`IDSWITCH__providers__0__*`), or the one that set a section around it; `undefined` when none did.
 */
function variableFor(variables: readonly ConfigVariable[], path: string): string | undefined {
  const exact = variables.find((v) => v.path === path);
  if (exact) return exact.name;
  const inside = variables.filter((v) => path === "(root)" || isBelow(v.path, path));
  if (inside.length === 1) return inside[0]?.name;
  if (inside.length > 1) return `${commonPrefix(inside.map((v) => v.name))}*`;
  return variables.find((v) => isBelow(path, v.path))?.name;
}

/** With variables only, a missing value is the variable that would set it: `IDSWITCH__providers__1__issuer (not set)`. */
function unsetVariable(path: string, fallback: string): string {
  if (path.startsWith("(")) return fallback;
  const segments = path.replace(/\[(\d+)\]/g, ".$1").split(".");
  return `${CONFIG_VARIABLE_PREFIX}${segments.join("__")} (not set)`;
}

function isBelow(path: string, parent: string): boolean {
  return path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
}

/** `IDSWITCH__providers__0__` of `IDSWITCH__providers__0__id` and `IDSWITCH__providers__0__tenantId`. */
function commonPrefix(names: readonly string[]): string {
  const [first = "", ...rest] = names;
  let end = first.length;
  for (const name of rest) {
    let i = 0;
    while (i < end && name[i] === first[i]) i++;
    end = i;
  }
  const prefix = first.slice(0, end);
  return prefix.slice(0, prefix.lastIndexOf("__") + 2);
}
