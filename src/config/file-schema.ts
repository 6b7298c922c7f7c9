/**
 * The failover configuration as a file (`idswitch.config.json`): the same
 * shape as `createIdentity`'s options, with providers as data (`type`) and
 * secrets as references to the environment — never written in the file.
 * Checked here for shape; each provider's own schema then checks its fields.
 */
import { z } from "zod";
import { timeoutMsSchema } from "../core/schemas.js";
import { directorySectionSchema } from "./directory-schema.js";

/** `{ "env": "ENTRA_CLIENT_SECRET" }`: the secret's value is read from that variable at load time. */
export const secretReference = z.strictObject({
  env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must name an environment variable"),
});

const secret = z.union([secretReference, z.string()]).superRefine((value, ctx) => {
  if (typeof value === "string") {
    ctx.addIssue({
      code: "custom",
      // Never echo the value: it is a secret that should not have been written here.
      message: 'secrets are not written in the file: use { "env": "VARIABLE_NAME" }',
    });
  }
});

const common = {
  id: z.string().describe("The app's name for this provider, e.g. 'entra' or 'eu'."),
  clientId: z.string(),
  clientSecret: secret.optional(),
  redirectUri: z.string().optional(),
  postLogoutRedirectUri: z.string().optional(),
  scope: z.string().optional(),
  algorithms: z.array(z.string()).optional(),
  clockToleranceSeconds: z.number().optional(),
  keySetCooldownSeconds: z.number().optional(),
  lastKnownGoodKeysSeconds: z.number().optional(),
  loginTimeoutSeconds: z.number().optional(),
  timeoutMs: timeoutMsSchema
    .optional()
    .describe(
      "Budget of one network call to this provider, connect included, in milliseconds (default 5000).",
    ),
  connectTimeoutMs: timeoutMsSchema
    .optional()
    .describe(
      "Budget of the connect phase (DNS, TCP, TLS) of a new connection to this provider, in milliseconds " +
        "(default 2000 when loaded by loadConfig on Node; needs nodeFetch from idswitch/node otherwise).",
    ),
};

export const fileProviderSchema = z.discriminatedUnion("type", [
  z.looseObject({
    type: z.literal("entra"),
    ...common,
    tenantId: z
      .string()
      .describe("The directory (tenant) id, a GUID; or organizations/common with allowedTenants."),
    allowedTenants: z.array(z.string()).optional(),
    authority: z.string().optional(),
    v1IssuerBase: z.string().optional(),
  }),
  z.looseObject({
    type: z.literal("keycloak"),
    ...common,
    issuer: z.string().describe("https://host/realms/name"),
  }),
  z.looseObject({ type: z.literal("oidc"), ...common, issuer: z.string() }),
]);

/**
 * The zod schema of `idswitch.config.json`: providers as data (`type`), secrets as `{ "env": NAME }`.
 *
 * @example
 * const file = configFileSchema.parse(JSON.parse(text)); // shape only; identityOptionsFromConfig checks the rest
 */
export const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  providers: z.array(fileProviderSchema).min(1),
  routing: z
    .strictObject({
      order: z.array(z.string()).optional(),
      onSuspension: z.enum(["offer", "failover", "deny"]).optional(),
      breaker: z
        .strictObject({
          consecutiveFailures: z.number().optional(),
          failureRatio: z.number().optional(),
          minimumCalls: z.number().optional(),
          windowMs: z.number().optional(),
          openMs: z.number().optional(),
        })
        .optional(),
      health: z
        .union([
          z.literal(false),
          z.strictObject({ intervalMs: z.number().optional(), timeoutMs: z.number().optional() }),
        ])
        .optional(),
      hedge: z.strictObject({ afterMs: z.union([z.literal("auto"), z.number()]).optional() }).optional(),
      userSuspensionSeconds: z.number().optional(),
      providerSuspensionSeconds: z.number().optional(),
      authority: z.array(z.string()).optional(),
      authorityCacheSeconds: z.number().optional(),
      authorityUnavailable: z.enum(["last-known", "deny"]).optional(),
    })
    .optional(),
  linking: z
    .strictObject({
      claim: z.strictObject({ name: z.string(), provider: z.string(), from: z.array(z.string()) }).optional(),
      maxAuthAgeSeconds: z.number().optional(),
    })
    .optional(),
  tokenCache: z
    .union([
      z.literal(false),
      z.strictObject({ maxEntries: z.number().optional(), maxAgeSeconds: z.number().optional() }),
    ])
    .optional(),
  telemetry: z.boolean().optional(),
  directory: directorySectionSchema(secret).optional(),
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
