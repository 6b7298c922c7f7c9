/**
 * The commands' options: `--name value`, `--name=value`, boolean switches and
 * `-h`. An unknown option is an error (exit 2), with the nearest known one
 * suggested: a mistyped `--confirm-disable` must not silently do nothing.
 */

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

export function parseArgs(args: readonly string[], spec: FlagSpec): ParsedArgs {
  const flags: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "-h") {
      flags.help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${arg}`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = name === "help" ? "boolean" : spec[name];
    if (!kind) throw new UsageError(unknown(name, spec));
    if (kind === "boolean") {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
    } else {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) {
        throw new UsageError(`--${name} needs a value`);
      }
      flags[name] = value;
    }
  }
  return { flags, positionals };
}

/** The value of a string option, if given. */
export function stringFlag(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.flags[name];
  return typeof value === "string" ? value : undefined;
}

function unknown(name: string, spec: FlagSpec): string {
  const known = [...Object.keys(spec), "help"];
  const near = known
    .map((k) => ({ k, d: distance(name, k) }))
    .filter(({ d }) => d <= 2)
    .sort((a, b) => a.d - b.d)[0];
  return `unknown option --${name}${near ? ` (did you mean --${near.k}?)` : ""}`;
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
