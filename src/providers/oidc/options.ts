/**
 * The options every OIDC-based provider accepts, checked with zod at
 * construction. Provider factories extend this schema with their own fields.
 */
import * as z from "zod/mini";
import {
  algorithmList,
  issuerUrl,
  nonEmpty,
  providerId,
  redirectUrl,
  runtimeOptionsSchema,
} from "../../core/mini-schemas.js";

export const oidcOptionsSchema = z.strictObject({
  /** The app's name for this provider: "eu", "entra", "partner". */
  id: providerId,
  /** Bare issuer URL (no /.well-known/…); https, or http on loopback. */
  issuer: issuerUrl,
  clientId: nonEmpty,
  /** Omit for a public client (device flow, native apps): PKCE then authenticates the exchange. */
  clientSecret: z.optional(nonEmpty),
  /** This provider's own callback URL (one per provider: mix-up defence). */
  redirectUri: z.optional(redirectUrl),
  postLogoutRedirectUri: z.optional(redirectUrl),
  /** Scopes asked for at sign-in. `openid` is always included. */
  scope: z._default(z.string(), "openid profile email"),
  /** JWS algorithms accepted on ID and access tokens. Asymmetric only. */
  algorithms: z._default(algorithmList, ["RS256", "PS256", "ES256"]),
  clockToleranceSeconds: z._default(z.int().check(z.gte(0), z.lte(300)), 30),
  /**
   * After fetching the key set, how long a token with an unknown `kid` must
   * wait before it may trigger another fetch: a key rotation is picked up
   * after at most this long, while a flood of made-up `kid`s cannot hammer
   * the provider.
   */
  keySetCooldownSeconds: z._default(z.number().check(z.gte(0), z.lte(3600)), 30),
  /**
   * While the provider cannot be reached, keys fetched up to this long ago
   * keep verifying tokens (Microsoft's guidance: 24 h). 0 turns it off.
   */
  lastKnownGoodKeysSeconds: z._default(z.number().check(z.gte(0), z.lte(7 * 24 * 3600)), 24 * 3600),
  /** How long a sign-in may take between `beginLogin` and `completeLogin`. */
  loginTimeoutSeconds: z._default(z.int().check(z.positive(), z.lte(3600)), 600),
  /**
   * DPoP (RFC 9449): tokens bound to a key, useless to whoever steals them.
   * `true`: a fresh ES256 key per sign-in, kept in the session's tokens (and
   * one per provider instance for client credentials); `{ keyPair }`: the
   * app's own key for all of them. The provider must support DPoP.
   */
  dpop: z.optional(
    z.custom<boolean | { readonly keyPair: CryptoKeyPair }>(
      (value) =>
        typeof value === "boolean" ||
        (typeof value === "object" &&
          value !== null &&
          Object.keys(value).join() === "keyPair" &&
          isKeyPair((value as { keyPair: unknown }).keyPair)),
      "must be true, false or { keyPair } with a CryptoKeyPair (privateKey and publicKey)",
    ),
  ),
  runtime: z.optional(runtimeOptionsSchema),
});

function isKeyPair(value: unknown): value is CryptoKeyPair {
  if (typeof value !== "object" || value === null) return false;
  const { privateKey, publicKey } = value as Partial<CryptoKeyPair>;
  return isKey(privateKey, "private") && isKey(publicKey, "public");
}

function isKey(value: unknown, type: KeyType): boolean {
  return typeof value === "object" && value !== null && (value as CryptoKey).type === type;
}

/**
 * Options of {@link oidc}: `id`, `issuer`, `clientId`, client authentication, `redirectUri`, `runtime`.
 *
 * @example
 * // A public client (a CLI): no secret, so PKCE alone protects the code exchange. Asymmetric algorithms only.
 * const options: OidcProviderOptions = { id: "partner", issuer: "https://login.partner.example", clientId: "cli", algorithms: ["ES256"] };
 * const partner = oidc(options);
 */
export type OidcOptionsInput = z.input<typeof oidcOptionsSchema>;
export type OidcOptions = z.output<typeof oidcOptionsSchema>;

/** Ensures `openid` is requested exactly once. */
export function withOpenid(scope: string, extra?: string): string {
  const scopes = new Set(["openid", ...scope.split(" "), ...(extra ?? "").split(" ")].filter(Boolean));
  return [...scopes].join(" ");
}
