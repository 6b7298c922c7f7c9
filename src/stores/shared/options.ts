/**
 * Store options are checked when the factory is called, like every other
 * idswitch configuration: all problems at once, each with its path, and no
 * message ever repeats a rejected value (a connection string may hold a
 * password).
 */
import { type ConfigIssue, IdSwitchError } from "idswitch";
import type { z } from "zod";

/** Parses `input` or throws one `config_invalid` error naming every bad path under `prefix`. */
export function parseStoreOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix: string,
): z.output<S> {
  const result = schema.safeParse(input, { reportInput: false });
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    // Unknown keys are reported on the parent; name the key itself, it is what was mistyped.
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const path = keys.length === 1 ? [...issue.path, keys[0] as string] : issue.path;
    return { path: [prefix, ...path.map(String)].join("."), message: issue.message };
  });
  const list = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  throw new IdSwitchError("config_invalid", `invalid configuration: ${list}`, { issues });
}
