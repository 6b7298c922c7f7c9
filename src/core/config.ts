/**
 * Configuration is checked once, up front, with zod. Every problem is reported
 * together, each with its path, in one `config_invalid` error — and no message
 * ever repeats the value it rejects, since that value may be a secret.
 */
import { z } from "zod";
import { type ConfigIssue, IdSwitchError } from "./errors.js";

/**
 * Parses `input` with `schema`, or throws one `config_invalid` error listing
 * every issue as `path: message`. `prefix` locates the input in a larger
 * configuration (e.g. `providers[1]`).
 */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, prefix = ""): z.output<S> {
  const result = schema.safeParse(input, { reportInput: false });
  if (result.success) return result.data;
  throw invalidConfiguration(result.error.issues.map((issue) => toConfigIssue(issue, prefix)));
}

/** One `config_invalid` error listing every issue as `path: message`. */
export function invalidConfiguration(issues: readonly ConfigIssue[]): IdSwitchError {
  const list = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  return new IdSwitchError("config_invalid", `invalid configuration: ${list}`, { issues });
}

function toConfigIssue(issue: z.core.$ZodIssue, prefix: string): ConfigIssue {
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

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]"]);

/** `localhost`, `*.localhost`, 127.0.0.0/8 and ::1: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    LOOPBACK_HOSTS.has(hostname) || hostname.endsWith(".localhost") || /^127(?:\.\d{1,3}){3}$/.test(hostname)
  );
}

/**
 * An OpenID Connect issuer identifier (OIDC Discovery §2): an absolute https
 * URL without query or fragment. Plain http only on loopback, for development
 * and tests. The full well-known URL is refused with a hint, since discovery
 * derives it and an issuer compared against `iss` must be the bare one.
 */
export const issuerUrl = z.string().superRefine((value, ctx) => {
  const problem = issuerProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

function issuerProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an https URL";
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return "must use https (plain http is allowed for localhost/127.0.0.1 only)";
  }
  if (url.search || url.hash) return "must not have a query or fragment";
  if (url.username || url.password) return "must not carry credentials";
  if (url.pathname.includes("/.well-known/")) {
    return "must be the bare issuer, not the discovery document URL (drop /.well-known/…)";
  }
  return undefined;
}

/** An absolute http(s) URL the provider redirects a browser to. */
export const redirectUrl = z.string().superRefine((value, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    ctx.addIssue({ code: "custom", message: "must be an absolute http(s) URL" });
  } else if (url.hash) {
    ctx.addIssue({ code: "custom", message: "must not have a fragment (RFC 6749 §3.1.2)" });
  }
});

/** A configured provider id: short, stable, safe in URLs, logs and store keys. */
export const providerId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be 1-63 lowercase letters, digits, '-' or '_'");

export const nonEmpty = z.string().trim().min(1, "must not be empty");

/** JWS algorithms a verifier may accept. `none` and HMAC are never allowed for provider tokens. */
export const ASYMMETRIC_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;

export const algorithmList = z
  .array(
    z.enum(ASYMMETRIC_ALGORITHMS, { message: "must be an asymmetric JWS algorithm (no 'none', no HS*)" }),
  )
  .min(1, "must list at least one algorithm");
