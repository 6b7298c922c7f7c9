/**
 * The commands' options: `--name value`, `--name=value`, boolean switches and
 * `-h`, split by `node:util`'s `parseArgs`. An unknown option is an error
 * (exit 2), with the nearest known one suggested: a mistyped
 * `--confirm-disable` must not silently do nothing.
 */
import { parseArgs as parseNodeArgs } from "node:util";

/** Each option the command takes, and whether it takes a value. */
export type FlagSpec = Readonly<Record<string, "boolean" | "string">>;

/** What was given: options by name (without `--`) and the words that are not options. */
export interface ParsedArgs {
  readonly flags: Readonly<Record<string, string | true>>;
  readonly positionals: readonly string[];
}

/**
 * A mistake the operator can fix (exit 2): the message is for them. The command prints its help after it,
 * unless `help` is false (a state file in use is not a misuse of the command line).
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly help: boolean;

  constructor(message: string, options: { help?: boolean } = {}) {
    super(message);
    this.help = options.help ?? true;
  }
}

/**
 * Parses `args` with `node:util`'s `parseArgs`, in its non-strict mode with tokens: it splits
 * `--name value`, `--name=value`, `-h` and `--`, and this checks each option against `spec` so the
 * messages stay the operator's (the nearest known option for a typo; a value missing or given to a
 * switch), rather than Node's.
 */
export function parseArgs(args: readonly string[], spec: FlagSpec): ParsedArgs {
  const options: Record<string, { type: "boolean" | "string"; short?: string }> = { help: HELP };
  for (const [name, type] of Object.entries(spec)) options[name] = { type };
  const { tokens } = parseNodeArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const flags: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    const { name, rawName, value, inlineValue } = token;
    const kind = name === "help" ? "boolean" : Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!kind || (rawName.startsWith("-") && !rawName.startsWith("--") && name !== "help")) {
      throw new UsageError(unknown(rawName, spec));
    }
    if (kind === "boolean") {
      if (value !== undefined) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
    } else {
      // `--config --json`: Node takes the next word as the value; an option is never one here.
      if (value === undefined || value === "" || (!inlineValue && value.startsWith("--"))) {
        throw new UsageError(`--${name} needs a value`);
      }
      flags[name] = value;
    }
  }
  return { flags, positionals };
}

const HELP = { type: "boolean", short: "h" } as const;

/** The value of a string option, if given. */
export function stringFlag(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.flags[name];
  return typeof value === "string" ? value : undefined;
}

function unknown(rawName: string, spec: FlagSpec): string {
  const name = rawName.replace(/^--?/, "");
  const known = [...Object.keys(spec), "help"];
  const near = known
    .map((k) => ({ k, d: distance(name, k) }))
    .filter(({ d }) => d <= 2)
    .sort((a, b) => a.d - b.d)[0];
  return `unknown option ${rawName}${near ? ` (did you mean --${near.k}?)` : ""}`;
}

/** Levenshtein distance: a typo is one or two edits away. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}
