/**
 * Configuration is checked once, up front, with zod. Every problem is reported
 * together, each with its path, in one `config_invalid` error — and no message
 * ever repeats the value it rejects, since that value may be a secret.
 */
import { safeParse } from "zod/mini";
import type { $ZodIssue, $ZodType, output } from "zod/v4/core";
import english from "zod/v4/locales/en.js";
import { type ConfigIssue, IdSwitchError } from "./errors.js";

/**
 * zod's English messages ("Too small: expected number to be >=1"), given to
 * each parse rather than installed globally: `zod/mini` loads no locale of its
 * own, and setting zod's global configuration would change the app's zod too.
 */
const messages = english();

/**
 * Parses `input` with `schema`, or throws one `config_invalid` error listing
 * every issue as `path: message` (`a.b[0].c`). `prefix` locates the input in a
 * larger configuration (e.g. `providers[1]`) or names the factory checked
 * (`postgresLinkStore`). The stores and integrations check their options with it
 * too (classic zod schemas; mini and classic share one engine), so every entry
 * point reports a mistake the same way.
 *
 * @example
 * const schema = z.strictObject({ path: z.string().min(1), busyTimeoutMs: z.int().min(0).default(5000) });
 * const options = parseConfig(schema, input, "myStore"); // throws config_invalid: "myStore.path: ..."
 */
export function parseConfig<S extends $ZodType>(schema: S, input: unknown, prefix = ""): output<S> {
  const result = safeParse(schema, input, { reportInput: false, error: messages.localeError });
  if (result.success) return result.data;
  throw invalidConfiguration(result.error.issues.map((issue) => toConfigIssue(issue, prefix)));
}

/** One `config_invalid` error listing every issue as `path: message`. */
export function invalidConfiguration(issues: readonly ConfigIssue[]): IdSwitchError {
  const list = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  return new IdSwitchError("config_invalid", `invalid configuration: ${list}`, { issues });
}

function toConfigIssue(issue: $ZodIssue, prefix: string): ConfigIssue {
  // Unknown keys are reported on the parent; name the key itself, it is what was mistyped.
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const path = formatPath(prefix, keys.length === 1 ? [...issue.path, keys[0] as string] : issue.path);
  return { path: path || "(root)", message: issue.message };
}

function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === "number") return `${acc}[${key}]`;
    return acc ? `${acc}.${String(key)}` : String(key);
  }, prefix);
}
