/**
 * Options of the integrations, checked with zod when the factory is called
 * (hono's rule: a mistake fails at start-up, naming its path, not on the
 * first request). Security options have no defaults: the secret, the
 * audience of a bearer API and the chooser page must be given.
 */
import type { Identity, PerProvider, SignalReceiver } from "idswitch";
import { IdSwitchError, isIdSwitchError, parseConfig } from "idswitch";
import { z } from "zod";
import { clockSchema, stateStoreSchema } from "../../core/schemas.js";
import { safeReturnTo } from "./return-to.js";

const IDENTITY_METHODS = [
  "beginLogin",
  "completeLogin",
  "refresh",
  "logoutUrl",
  "verifyAccessToken",
  "isRevoked",
  "revokeSession",
  "backChannelLogout",
];

const identity = z.custom<Identity>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as { providers?: unknown }).providers) &&
    IDENTITY_METHODS.every((m) => typeof (value as Record<string, unknown>)[m] === "function"),
  "must be the result of createIdentity()",
);

const signalReceiver = z.custom<SignalReceiver>(
  (value) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as { push?: unknown }).push === "function" &&
    typeof (value as { streams?: unknown }).streams === "function",
  "must be the result of identity.signalReceiver()",
);

/** 32 characters at least: HKDF stretches it to a key, it cannot add entropy that is not there. */
const secretString = z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)");

const relativePath = z
  .string()
  .refine((v) => safeReturnTo(v) === v, "must be a same-origin path like /signin");

const absoluteUrl = z.string().refine((v) => URL.canParse(v), "must be an absolute URL");

/** RFC 6265 cookie-name token, without the characters browsers treat specially. */
const cookieName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '-' or '_'");

export const webOptionsSchema = z
  .strictObject({
    identity,
    /** Seals the session and login cookies. A list rotates: the first seals, all open. */
    secret: z.union([secretString, z.array(secretString).min(1, "must list at least one secret")]),
    /** Where people go when their provider refused them: the app's "choose another provider" page. */
    chooserPath: relativePath,
    /** The routes' common prefix: `<prefix>/login`, `<prefix>/callback/:provider`, `<prefix>/logout`. */
    prefix: relativePath.default("/auth"),
    /**
     * A Shared Signals receiver (`identity.signalReceiver()`): its push
     * delivery (RFC 8935) is mounted at `POST <prefix>/signals`.
     */
    signals: signalReceiver.optional(),
    /** Where to go after sign-in when no `returnTo` was asked for. */
    defaultReturnTo: relativePath.default("/"),
    /** Registered at each provider; one for all, or per provider id. */
    postLogoutRedirectUri: z.union([absoluteUrl, z.record(z.string(), absoluteUrl)]).optional(),
    cookie: z
      .strictObject({
        /** Default `__Host-idswitch` (Secure, host-only, Path=/), `idswitch` when not secure. */
        name: cookieName.optional(),
        /**
         * Off only for plain-http development on localhost; requests to any other
         * host are then refused, so the switch cannot leak into production.
         */
        secure: z.boolean().default(true),
      })
      .default({ secure: true }),
    session: z
      .strictObject({
        /** Absolute lifetime: after it the person signs in again (OWASP: hours, not weeks). */
        maxAgeSeconds: z
          .number()
          .int()
          .positive()
          .max(30 * 24 * 3600)
          .default(8 * 3600),
        /** Refresh at the provider when the access token expires within this many seconds. */
        refreshBeforeExpirySeconds: z.number().int().min(0).max(3600).default(60),
        /**
         * Keeps sessions server side: the cookie then holds only a random id.
         * Without it the whole session (tokens included) is sealed into the
         * cookie, split into chunks when it exceeds one cookie's 4 KB.
         */
        store: stateStoreSchema.optional(),
        /**
         * With `store`: seal each stored session (AES-GCM under a key derived
         * from `secret`), so a copy of the store — a SQLite file, a backup, a
         * Redis dump — holds no usable token, and whoever can write to the
         * store but lacks the secret cannot plant a session. `false` stores
         * sessions as plain JSON, for stores that encrypt at rest themselves.
         */
        sealAtRest: z.boolean().default(true),
      })
      .default({ maxAgeSeconds: 8 * 3600, refreshBeforeExpirySeconds: 60, sealAtRest: true }),
    /** What `requireAuth` does without a session: redirect a browser to sign in, or answer 401. */
    unauthenticated: z.enum(["redirect", "status"]).default("redirect"),
    /** A clock (epoch ms), for tests. */
    now: clockSchema.optional(),
  })
  .superRefine((options, ctx) => {
    // The session index forgets a session (and its revocation) after the identity's
    // `sessions.maxAgeSeconds`: a cookie that lived longer would come back to life.
    const indexed = options.identity.sessionMaxAgeSeconds;
    if (typeof indexed === "number" && options.session.maxAgeSeconds > indexed) {
      ctx.addIssue({
        code: "custom",
        path: ["session", "maxAgeSeconds"],
        message: `must not exceed createIdentity's sessions.maxAgeSeconds (${indexed}): a revoked session would outlive its revocation`,
      });
    }
  });

/**
 * Options of the web (cookie session) integration: `identity`, `secret`, `chooserPath`, and optional routes prefix, cookie and session store.
 *
 * @example
 * const options: WebOptionsInput = {
 *   identity,
 *   secret: env.SESSION_SECRET, // 32+ characters (`openssl rand -base64 32`); a list rotates: the first seals
 *   chooserPath: "/choose", // where a person a provider refused picks another one
 *   session: { store: state }, // the cookie then holds only an id: tokens stay server side
 * };
 */
export type WebOptionsInput = z.input<typeof webOptionsSchema>;
export type WebOptions = z.output<typeof webOptionsSchema>;

const audienceValue = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const bearerOptionsSchema = z.strictObject({
  identity,
  /** Required: the audience each provider's tokens must carry — one, or per provider id. */
  audience: z.union([audienceValue, z.record(z.string(), audienceValue)]),
  /** Scope tokens (RFC 6749 §3.3): they are echoed in the challenge, so no quotes or spaces. */
  requiredScopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "must be a scope token"))
    .optional(),
  /** The `realm` of `WWW-Authenticate` (RFC 6750 §3). */
  realm: z
    .string()
    .regex(/^[\x20-\x7e]*$/)
    .refine((v) => !v.includes('"'), "must not contain quotes")
    .optional(),
  /**
   * The API's public origin as clients address it (`https://api.example.eu`):
   * a DPoP proof's `htu` is compared with it and the request's path. Without
   * it the origin comes from the request (the `Host` header, and the scheme
   * as the framework sees it), which the client chooses: a proof made for
   * another server that shares this API's audience would then pass here.
   */
  origin: z
    .string()
    .refine((value) => {
      try {
        const url = new URL(value);
        return (
          (url.protocol === "https:" || url.protocol === "http:") && url.origin === value.replace(/\/$/, "")
        );
      } catch {
        return false;
      }
    }, "must be an origin: scheme://host[:port], no path")
    .optional(),
  /**
   * DPoP (RFC 9449): `"allowed"` (default) takes `Authorization: DPoP` with a
   * `DPoP` proof as well as `Bearer`, and refuses a DPoP-bound token that
   * comes without the proof of its key; `"required"` takes DPoP-bound tokens
   * only; `"disabled"` takes `Bearer` only, and passes no proof on.
   */
  dpop: z.enum(["required", "allowed", "disabled"]).default("allowed"),
  /**
   * The server nonces (RFC 9449 §8) a DPoP proof may carry now, asked per
   * request; the first is the current one, sent in `DPoP-Nonce` when a proof
   * lacks it. Without it no nonce is asked for.
   */
  dpopNonces: z
    .custom<() => readonly string[]>(
      (value) => typeof value === "function",
      "must be a function returning the nonces accepted now",
    )
    .optional(),
});

/**
 * Options of `bearerAuth`: `identity`, the required `audience` (one, or per provider id), `requiredScopes`, `realm`,
 * and DPoP (RFC 9449): `dpop` (`"allowed"` by default, `"required"`, `"disabled"`) and `dpopNonces`.
 *
 * @example
 * // The audience has no default: a token another API was given must not pass here.
 * const options: BearerOptionsInput = { identity, audience: { entra: "api://orders", eu: "orders" }, requiredScopes: ["orders.read"] };
 * // Sender-constrained tokens only: a stolen token is worthless without the client's key.
 * const strict: BearerOptionsInput = { identity, audience: "orders", dpop: "required" };
 */
export type BearerOptionsInput = Omit<z.input<typeof bearerOptionsSchema>, "audience"> & {
  audience: PerProvider<string | readonly string[]>;
};
export type BearerOptions = z.output<typeof bearerOptionsSchema>;

/**
 * Parses options or throws one `config_invalid` IdSwitchError listing every
 * problem with its path (as `createIdentity` does), never repeating a value.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  try {
    // The core's one parser: the same issues and path format as createIdentity's…
    return parseConfig(schema, input);
  } catch (error) {
    if (!isIdSwitchError(error, "config_invalid")) throw error;
    // …with the entry point named, since an app may configure several.
    throw new IdSwitchError("config_invalid", `${what}: ${error.message}`, { issues: error.issues });
  }
}
