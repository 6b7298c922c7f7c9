/**
 * The configuration as flat environment variables, the way .NET's
 * configuration reads them (and Azure platform teams already write them):
 * `IDSWITCH__providers__0__id=entra`, `__` between path segments, a number
 * segment indexing an array. The variables are laid over a base document (a
 * file, or `IDSWITCH_CONFIG`), key by key, or build the whole document when
 * there is no base. The result goes through the same validation as a file.
 *
 * Values: `true`/`false` are booleans, a number written the way JavaScript
 * prints it (`30`, `0.5`, `-2`) is a number, a double-quoted JSON string is
 * that string (`"12345"` keeps a numeric-looking id a string), anything else
 * is the text as written. Secrets stay references even here
 * (`IDSWITCH__providers__0__clientSecret__env=ENTRA_SECRET`): a value written
 * in a variable is refused like a value written in the file, so a secret has
 * exactly one place to live and one rule, whatever the form.
 */
import { type ConfigIssue, IdSwitchError } from "../core/errors.js";
import type { Environment } from "./from-file.js";

/** The prefix of the flat form's variable names. */
export const CONFIG_VARIABLE_PREFIX = "IDSWITCH__";

/**
 * One `IDSWITCH__*` variable and the place in the document it set (`providers[0].clientId`).
 *
 * @example
 * const { variables } = applyConfigVariables(undefined, { IDSWITCH__routing__order__0: "eu" });
 * variables[0]; // { name: "IDSWITCH__routing__order__0", path: "routing.order[0]" }
 */
export interface ConfigVariable {
  /** The variable's name, e.g. `IDSWITCH__providers__0__clientId`. */
  readonly name: string;
  /** The path it sets, written as configuration issues write paths: `providers[0].clientId`. */
  readonly path: string;
}

/**
 * A configuration document with the `IDSWITCH__*` variables laid over it.
 *
 * @example
 * const { document, variables } = applyConfigVariables(JSON.parse(text), env);
 * console.log(`${variables.length} setting(s) from the environment`);
 */
export interface LayeredConfig {
  readonly document: unknown;
  /** The variables applied, sorted by path (empty when there were none). */
  readonly variables: readonly ConfigVariable[];
}

type Segment = string | number;

interface Node {
  /** Set when a variable ends here. */
  leaf?: { readonly name: string; readonly value: unknown };
  readonly children: Map<string, Node>;
  /** The variables below this node, for messages. */
  readonly names: string[];
}

/**
 * Lays the `IDSWITCH__*` variables of `env` over `base` (a parsed file, or `undefined` for none) and returns
 * the document, which then goes through the same validation as a file. Throws `config_invalid` naming the
 * variable when the variables do not make one document (a gap in an array, a value and a section at one path).
 *
 * @example
 * // IDSWITCH__routing__order__0=eu IDSWITCH__routing__order__1=entra: the spare becomes the primary
 * const { document } = applyConfigVariables(JSON.parse(await readFile("idswitch.config.json", "utf8")), process.env);
 * const identity = createIdentity(identityOptionsFromConfig(document, { env: process.env }));
 */
export function applyConfigVariables(base: unknown, env: Environment): LayeredConfig {
  const issues: ConfigIssue[] = [];
  const root: Node = { children: new Map(), names: [] };
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(CONFIG_VARIABLE_PREFIX) || value === undefined) continue;
    const segments = name.slice(CONFIG_VARIABLE_PREFIX.length).split("__");
    if (segments.some((s) => s === "")) {
      issues.push({
        path: "(root)",
        message: "empty path segment (use __ only between names)",
        source: name,
      });
      continue;
    }
    insert(root, segments, { name, value: parseValue(value) });
  }
  const variables: ConfigVariable[] = [];
  const document = root.names.length === 0 ? base : merge(base, root, [], variables, issues);
  if (issues.length > 0) {
    const list = issues.map((i) => `${i.source}: ${i.message}`).join("; ");
    throw new IdSwitchError("config_invalid", `invalid configuration variables: ${list}`, { issues });
  }
  variables.sort((a, b) => compareSegments(a.path, b.path));
  return { document, variables };
}

/** `true`/`false`, a canonical number, a double-quoted JSON string, else the text itself. */
function parseValue(text: string): unknown {
  if (text === "true") return true;
  if (text === "false") return false;
  // Only numbers that print back as written: "007", "1.0" or a 20-digit id stay text, nothing is rounded.
  if (/^-?\d/.test(text) && String(Number(text)) === text) return Number(text);
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return text;
    }
  }
  return text;
}

function insert(root: Node, segments: readonly string[], leaf: { name: string; value: unknown }): void {
  let node = root;
  node.names.push(leaf.name);
  for (const segment of segments) {
    let child = node.children.get(segment);
    if (!child) {
      child = { children: new Map(), names: [] };
      node.children.set(segment, child);
    }
    child.names.push(leaf.name);
    node = child;
  }
  node.leaf = leaf;
}

const INDEX = /^(0|[1-9]\d*)$/;

function merge(
  base: unknown,
  node: Node,
  path: readonly Segment[],
  variables: ConfigVariable[],
  issues: ConfigIssue[],
): unknown {
  if (node.leaf) {
    if (node.children.size > 0) {
      const below = node.names.filter((n) => n !== node.leaf?.name);
      issues.push({
        path: formatPath(path),
        message: `sets a value where ${below.join(", ")} set a section`,
        source: node.leaf.name,
      });
      return base;
    }
    variables.push({ name: node.leaf.name, path: formatPath(path) });
    return node.leaf.value;
  }
  const keys = [...node.children.keys()];
  const numeric = keys.every((k) => INDEX.test(k));
  if (Array.isArray(base) || (numeric && !isObject(base))) {
    if (!numeric) {
      const name = node.children.get(keys.find((k) => !INDEX.test(k)) as string)?.names[0];
      issues.push({
        path: formatPath(path),
        message: "is a list: number its items (…__0, …__1)",
        source: name,
      });
      return base;
    }
    return mergeArray(Array.isArray(base) ? base : [], node, path, variables, issues);
  }
  const object: Record<string, unknown> = isObject(base) ? { ...base } : {};
  for (const [key, child] of node.children) {
    object[key] = merge(object[key], child, [...path, key], variables, issues);
  }
  return object;
}

function mergeArray(
  base: readonly unknown[],
  node: Node,
  path: readonly Segment[],
  variables: ConfigVariable[],
  issues: ConfigIssue[],
): unknown[] {
  const array = [...base];
  const indexes = [...node.children.keys()].map(Number).sort((a, b) => a - b);
  for (const index of indexes) {
    const child = node.children.get(String(index)) as Node;
    if (index > array.length) {
      issues.push({
        path: formatPath([...path, index]),
        message: `leaves ${formatPath([...path, array.length])} empty: number list items from 0 without gaps`,
        source: child.names[0],
      });
      return array;
    }
    array[index] = merge(array[index], child, [...path, index], variables, issues);
  }
  return array;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `providers[0].clientId`, as configuration issues write paths. */
function formatPath(path: readonly Segment[]): string {
  const text = path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${key}` : key),
    "",
  );
  return text || "(root)";
}

/** Orders `a[2]` before `a[10]`. */
function compareSegments(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
