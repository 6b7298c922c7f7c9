/**
 * Secrets in the configuration are references to environment variables
 * (`{ "env": NAME }`), read here, from the environment the caller passes in —
 * the library never reads `process.env` itself.
 */
import type { ConfigIssue } from "../core/errors.js";
import type { Environment } from "./from-file.js";

/** The value of the variable a `{ "env": NAME }` reference names, or an issue at `path`. */
export function readSecret(
  reference: unknown,
  path: string,
  env: Environment,
  issues: ConfigIssue[],
): string | undefined {
  if (typeof reference !== "object" || reference === null) return undefined;
  const name = (reference as { env: string }).env;
  const value = env[name];
  if (value === undefined || value === "") {
    issues.push({ path, message: `environment variable ${name} is not set` });
    return undefined;
  }
  return value;
}
