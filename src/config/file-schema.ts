/**
 * The failover configuration as a file (`idswitch.config.json`): the same
 * shape as `createIdentity`'s options, with providers as data (`type`) and
 * secrets as references to the environment — never written in the file.
 * Checked here for shape; each provider's own schema then checks its fields.
 */
import * as z from "zod/mini";
import { described, timeoutMsSchema } from "../core/mini-schemas.js";
import { directorySectionSchema } from "./directory-schema.js";

/** `{ "env": "ENTRA_CLIENT_SECRET" }`: the secret's value is read from that variable at load time. */
export const secretReference = z.strictObject({
  env: z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must name an environment variable")),
});

const secret = z.union([secretReference, z.string()]).check(
  z.superRefine((value, ctx) => {
    if (typeof value === "string") {
      ctx.addIssue({
        code: "custom",
        // Never echo the value: it is a secret that should not have been written here.
        message: 'secrets are not written in the file: use { "env": "VARIABLE_NAME" }',
      });
    }
  }),
);

const text = z.optional(z.string());
const number = z.optional(z.number());
const texts = z.optional(z.array(z.string()));

const common = {
  id: described(z.string(), "The app's name for this provider, e.g. 'entra' or 'eu'."),
  clientId: z.string(),
  clientSecret: z.optional(secret),
  redirectUri: text,
  postLogoutRedirectUri: text,
  scope: text,
  algorithms: texts,
  clockToleranceSeconds: number,
  keySetCooldownSeconds: number,
  lastKnownGoodKeysSeconds: number,
  loginTimeoutSeconds: number,
  timeoutMs: described(
    z.optional(timeoutMsSchema),
    "Budget of one network call to this provider, connect included, in milliseconds (default 5000).",
  ),
  connectTimeoutMs: described(
    z.optional(timeoutMsSchema),
    "Budget of the connect phase (DNS, TCP, TLS) of a new connection to this provider, in milliseconds " +
      "(default 2000 when loaded by loadConfig on Node; needs nodeFetch from idswitch/node otherwise).",
  ),
};

export const fileProviderSchema = z.discriminatedUnion("type", [
  z.looseObject({
    type: z.literal("entra"),
    ...common,
    tenantId: described(
      z.string(),
      "The directory (tenant) id, a GUID; or organizations/common with allowedTenants.",
    ),
    allowedTenants: texts,
    authority: text,
    v1IssuerBase: text,
  }),
  z.looseObject({
    type: z.literal("keycloak"),
    ...common,
    issuer: described(z.string(), "https://host/realms/name"),
    admin: described(
      z.optional(z.strictObject({ clientId: z.string(), clientSecret: secret })),
      "A service-account client of the realm with realm-management view-users: how the provider answers " +
        'about an account\'s status (routing.authority needs it). Its secret as { "env": NAME }.',
    ),
  }),
  z.looseObject({ type: z.literal("oidc"), ...common, issuer: z.string() }),
]);

/**
 * The zod schema of `idswitch.config.json`: providers as data (`type`), secrets as `{ "env": NAME }`.
 * A `zod/mini` schema: parse it with `safeParse` (or `z.safeParse` of `zod/mini`).
 *
 * @example
 * const file = configFileSchema.parse(JSON.parse(text)); // shape only; identityOptionsFromConfig checks the rest
 */
export const configFileSchema = z.strictObject({
  $schema: text,
  providers: z.array(fileProviderSchema).check(z.minLength(1)),
  routing: z.optional(
    z.strictObject({
      order: texts,
      onSuspension: z.optional(z.enum(["offer", "failover", "deny"])),
      breaker: z.optional(
        z.strictObject({
          consecutiveFailures: number,
          failureRatio: number,
          minimumCalls: number,
          windowMs: number,
          openMs: number,
        }),
      ),
      health: z.optional(
        z.union([z.literal(false), z.strictObject({ intervalMs: number, timeoutMs: number })]),
      ),
      hedge: z.optional(z.strictObject({ afterMs: z.optional(z.union([z.literal("auto"), z.number()])) })),
      userSuspensionSeconds: number,
      providerSuspensionSeconds: number,
      authority: texts,
      authorityCacheSeconds: number,
      authorityUnavailable: z.optional(z.enum(["last-known", "deny"])),
    }),
  ),
  linking: z.optional(
    z.strictObject({
      claim: z.optional(
        z.strictObject({ name: z.string(), provider: z.string(), from: z.array(z.string()) }),
      ),
      maxAuthAgeSeconds: number,
    }),
  ),
  tokenCache: z.optional(
    z.union([z.literal(false), z.strictObject({ maxEntries: number, maxAgeSeconds: number })]),
  ),
  telemetry: z.optional(z.boolean()),
  directory: z.optional(directorySectionSchema(secret)),
});

/**
 * The parsed shape of `idswitch.config.json`.
 *
 * @example
 * const file: ConfigFile = configFileSchema.parse(JSON.parse(text));
 * console.log(file.routing?.order); // ["entra", "eu"]
 */
export type ConfigFile = z.infer<typeof configFileSchema>;
/**
 * One provider entry of `idswitch.config.json` (`type`: `entra`, `keycloak` or `oidc`).
 *
 * @example
 * const eu: FileProvider = {
 *   type: "keycloak", id: "eu", issuer: "https://auth.example.eu/realms/acme",
 *   clientId: "portal", clientSecret: { env: "KEYCLOAK_CLIENT_SECRET" },
 * };
 */
export type FileProvider = z.infer<typeof fileProviderSchema>;
