/**
 * `createIdentity` options, checked once with zod: every problem reported
 * with its path, and the guard rails that refuse dangerous setups (an
 * unknown provider in the routing order, two providers claiming the same
 * issuer, a link claim naming no configured provider).
 */
import * as z from "zod/mini";
import {
  callable,
  clockSchema,
  objectWith,
  positiveSeconds,
  stateStoreSchema,
} from "../core/mini-schemas.js";
import type { LinkStore } from "../links/link-store.js";
import type { EmailLookup } from "../links/linker.js";
import type { Provider } from "../providers/provider.js";

const PROVIDER_METHODS = [
  "beginLogin",
  "completeLogin",
  "refresh",
  "verifyAccessToken",
  "isIssuerOf",
  "subscribe",
];

const provider = z.custom<Provider>(
  (value: unknown) =>
    typeof value === "object" &&
    value !== null &&
    typeof (value as { id?: unknown }).id === "string" &&
    PROVIDER_METHODS.every((m) => typeof (value as Record<string, unknown>)[m] === "function"),
  "must be a provider made by entraId(), keycloak() or oidc()",
);

const breakerSchema = z.strictObject({
  consecutiveFailures: z.optional(z.int().check(z.gte(1), z.lte(100))),
  failureRatio: z.optional(z.number().check(z.gt(0), z.lte(1))),
  minimumCalls: z.optional(z.int().check(z.gte(1), z.lte(1000))),
  windowMs: z.optional(z.int().check(z.positive(), z.lte(3_600_000))),
  openMs: z.optional(z.int().check(z.positive(), z.lte(3_600_000))),
});

/**
 * An integer, checked as a refinement: zod reports a failed `.int()` inside a
 * union (`false` or an object) only as "invalid input" on the union, not on the member.
 */
function wholeNumber(...checks: z.core.$ZodCheck<number>[]) {
  return z.number().check(z.refine(Number.isInteger, "must be a whole number"), ...checks);
}

export const identityOptionsSchema = z
  .strictObject({
    providers: z.array(provider).check(z.minLength(1, "configure at least one provider")),
    routing: z._default(
      z.strictObject({
        /** Provider ids, most preferred first. Default: the order of `providers`. */
        order: z.optional(z.array(z.string())),
        /**
         * What a denial of a person (disabled, locked) does: `offer` — the
         * error names the alternatives; `failover` — that person's next
         * sign-in goes to an alternative by itself; `deny` — nothing.
         */
        onSuspension: z._default(z.enum(["offer", "failover", "deny"]), "offer"),
        breaker: z._default(breakerSchema, {}),
        /**
         * Background health checks of discovery, keys and the token endpoint
         * (client credentials with the provider's probe scope, where the app
         * has credentials), so a probe finds an outage before a caller does
         * and closes a breaker only once what failed answers again. `false`:
         * only the probe a half-open breaker asks for.
         */
        health: z._default(
          z.union([
            z.literal(false),
            z.strictObject({
              /** Between two rounds, ±20 % jitter. */
              intervalMs: z._default(wholeNumber(z.gte(1_000), z.lte(3_600_000)), 30_000),
              /** A probe not answered by then is a failure (and is tried once more before it counts). */
              timeoutMs: z._default(wholeNumber(z.gte(100), z.lte(60_000)), 2_000),
            }),
          ]),
          { intervalMs: 30_000, timeoutMs: 2_000 },
        ),
        /**
         * Hedged client credentials: when the provider in front has not
         * answered within `afterMs` (or `"auto"`: twice its recent p99,
         * 100–2,000 ms), the next provider is asked too; the first good
         * answer wins and the other request is aborted. Off when left out.
         */
        hedge: z.optional(
          z.strictObject({
            afterMs: z._default(z.union([z.literal("auto"), wholeNumber(z.gte(10), z.lte(60_000))]), "auto"),
          }),
        ),
        /** How long a person's at a provider is remembered. */
        userSuspensionSeconds: z._default(positiveSeconds(7 * 24 * 3600), 3600),
        /** How long the application's own suspension at a provider (client, tenant) is remembered. */
        providerSuspensionSeconds: z._default(positiveSeconds(24 * 3600), 300),
        /**
         * The providers that speak for the organisation about its people: a
         * disable or deletion there binds the app user at every provider.
         */
        authority: z._default(z.array(z.string().check(z.minLength(1))), []),
        /** How long an authority's answer about an account is reused. */
        authorityCacheSeconds: z._default(positiveSeconds(3600), 60),
        /**
         * While an authority cannot be asked: `last-known` — its last stored
         * decision stands (none: allowed); `deny` — the sign-in is refused.
         */
        authorityUnavailable: z._default(z.enum(["last-known", "deny"]), "last-known"),
      }),
      {
        onSuspension: "offer",
        breaker: {},
        health: { intervalMs: 30_000, timeoutMs: 2_000 },
        userSuspensionSeconds: 3600,
        providerSuspensionSeconds: 300,
        authority: [],
        authorityCacheSeconds: 60,
        authorityUnavailable: "last-known",
      },
    ),
    /** Durable app users and links. In memory when omitted: for tests and demos only. */
    links: z.optional(
      objectWith<LinkStore>(
        ["find", "findOrCreate", "link", "unlink", "linksOf", "list"],
        "must be a LinkStore",
      ),
    ),
    /** Suspension marks, logins in flight. In memory when omitted; Redis to share between instances. */
    state: z.optional(stateStoreSchema),
    /**
     * The budget of one call to `state`, shorter than a provider's: a store
     * that misses it is served by process memory for a few seconds (a
     * `warning` event says so), so a Redis outage does not hold sign-ins.
     */
    stateTimeoutMs: z._default(wholeNumber(z.gte(10), z.lte(10_000)), 250),
    linking: z._default(
      z.strictObject({
        /**
         * A claim in the spare provider's tokens naming the person's account at
         * another provider (the mirror's), trusted only in tokens of the
         * providers listed in `from`: any other provider could put a claim of
         * that name into its tokens.
         */
        claim: z.optional(
          z.strictObject({
            name: z.string().check(z.minLength(1)),
            provider: z.string().check(z.minLength(1)),
            from: z
              .array(z.string().check(z.minLength(1)))
              .check(z.minLength(1, "name at least one provider whose tokens may carry the claim")),
          }),
        ),
        /**
         * Links a first sign-in to the app user that owns the same email,
         * found by the app's own lookup — only when the provider asserts the
         * email as verified. Email is mutable and not always owned by the
         * person (the nOAuth takeover); prefer the link claim.
         * @deprecated Dangerous by design: read the docs before using it.
         */
        dangerouslyLinkByVerifiedEmail: z.optional(
          callable<EmailLookup>("must be a function (email) => appUserId"),
        ),
        /** How recent both sign-ins must be for `identity.link`. */
        maxAuthAgeSeconds: z._default(positiveSeconds(3600), 300),
      }),
      { maxAuthAgeSeconds: 300 },
    ),
    /**
     * Cache verified access tokens: bounded, keyed on the whole token, each
     * entry answering only while the key that verified it is still published,
     * and never past the token's `exp` nor `maxAgeSeconds`. Off by default.
     */
    tokenCache: z._default(
      z.union([
        z.literal(false),
        z.strictObject({
          maxEntries: z._default(wholeNumber(z.positive(), z.lte(10_000_000)), 10_000),
          /**
           * The longest a verified token is answered from the cache, whatever
           * its `exp` says: a token minted with a leaked key and a far-away
           * `exp` is verified again at least this often. Beyond an hour the
           * cache saves next to nothing and only widens that window.
           */
          maxAgeSeconds: z._default(wholeNumber(z.positive(), z.lte(3600)), 300),
        }),
      ]),
      false,
    ),
    /**
     * The session index (`isRevoked`, `backChannelLogout`, Shared Signals):
     * every sign-in is recorded in `state` for `maxAgeSeconds`, the longest a
     * session of this app may live — a web integration's `session.maxAgeSeconds`
     * may not exceed it, or a revoked session would outlive its revocation.
     */
    sessions: z._default(
      z.strictObject({
        maxAgeSeconds: z._default(positiveSeconds(30 * 24 * 3600), 8 * 3600),
      }),
      { maxAgeSeconds: 8 * 3600 },
    ),
    /**
     * OpenTelemetry spans and counters: on when `@opentelemetry/api` is
     * installed (it is a no-op until the app registers an SDK); `false` turns them off.
     */
    telemetry: z._default(z.boolean(), true),
    /** A clock (epoch ms) for breakers and marks; tests inject one. */
    now: z.optional(clockSchema),
    /** Makes new app user ids. Default: `crypto.randomUUID()`. */
    newAppUserId: z.optional(callable<() => string>()),
  })
  .check(
    z.superRefine((options, ctx) => {
      const ids = options.providers.map((p) => p.id);
      ids.forEach((id, index) => {
        if (ids.indexOf(id) !== index) {
          ctx.addIssue({
            code: "custom",
            path: ["providers", index],
            message: `duplicate provider id "${id}"`,
          });
        }
      });
      const issuers = options.providers.map((p) => p.issuer);
      issuers.forEach((issuer, index) => {
        if (issuers.indexOf(issuer) !== index) {
          // A token must pick exactly one verifier; two with one issuer would make that ambiguous.
          ctx.addIssue({
            code: "custom",
            path: ["providers", index],
            message: "another provider has the same issuer",
          });
        }
      });
      (options.routing.order ?? []).forEach((id, index) => {
        if (!ids.includes(id)) {
          ctx.addIssue({
            code: "custom",
            path: ["routing", "order", index],
            message: `unknown provider "${id}"`,
          });
        }
      });
      const claim = options.linking.claim;
      if (claim && !ids.includes(claim.provider)) {
        ctx.addIssue({
          code: "custom",
          path: ["linking", "claim", "provider"],
          message: `unknown provider "${claim.provider}"`,
        });
      }
      options.routing.authority.forEach((id, index) => {
        const path = ["routing", "authority", index];
        const authority = options.providers.find((p) => p.id === id);
        if (!authority) ctx.addIssue({ code: "custom", path, message: `unknown provider "${id}"` });
        else if (typeof authority.accountStatus !== "function" || authority.answersAccountStatus === false) {
          // The authority is asked about a person's account when they sign in elsewhere.
          ctx.addIssue({
            code: "custom",
            path,
            message:
              authority.answersAccountStatus === false
                ? `provider "${id}" cannot be asked about an account's status without its "admin" option`
                : `provider "${id}" cannot be asked about an account's status`,
          });
        }
      });
      const links = options.links;
      const keepsDecisions =
        links === undefined ||
        (typeof links.authorityDecisions === "function" &&
          typeof links.recordAuthorityDecision === "function" &&
          typeof links.clearAuthorityDecision === "function");
      if (options.routing.authority.length > 0 && !keepsDecisions) {
        ctx.addIssue({
          code: "custom",
          path: ["links"],
          message:
            "routing.authority needs a LinkStore that keeps authority decisions (authorityDecisions, …)",
        });
      }
      claim?.from.forEach((id, index) => {
        const path = ["linking", "claim", "from", index];
        if (!ids.includes(id)) ctx.addIssue({ code: "custom", path, message: `unknown provider "${id}"` });
        else if (id === claim.provider)
          ctx.addIssue({
            code: "custom",
            path,
            message: `"${id}" is the provider the claim names, not a spare`,
          });
      });
    }),
  );

/**
 * Options of {@link createIdentity}: providers, routing, stores, linking, token cache, telemetry.
 *
 * @example
 * const options: IdentityOptionsInput = { providers: [entra, eu], routing: { order: ["eu", "entra"] } };
 */
export type IdentityOptionsInput = z.input<typeof identityOptionsSchema>;
/**
 * {@link IdentityOptionsInput} after validation, with defaults filled in.
 *
 * @example
 * // The defaults a validated configuration carries when `routing` is left out:
 * const routing: IdentityOptions["routing"] = {
 *   onSuspension: "offer",
 *   breaker: {},
 *   health: { intervalMs: 30_000, timeoutMs: 2_000 },
 *   userSuspensionSeconds: 3600,
 *   providerSuspensionSeconds: 300,
 *   authority: [],
 *   authorityCacheSeconds: 60,
 *   authorityUnavailable: "last-known",
 * };
 */
export type IdentityOptions = z.output<typeof identityOptionsSchema>;
