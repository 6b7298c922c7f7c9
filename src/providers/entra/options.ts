/**
 * The options of `entraId({...})`, checked with zod at construction.
 *
 * A multi-tenant app names its authority (`organizations` or `common`) AND
 * the tenants it accepts: Entra's multi-tenant issuer is a template any
 * tenant fills, so without a list a token minted in an attacker's own free
 * tenant would pass. There is deliberately no "any tenant" switch.
 */
import * as z from "zod/mini";
import { algorithmList, issuerUrl } from "../../core/mini-schemas.js";
import { oidcOptionsSchema } from "../oidc/options.js";
import { certificateDer } from "./certificate.js";
import { GUID } from "./issuers.js";
import { graphOptionsShape } from "./overage.js";

/** Authorities that sign in users of many tenants (docs/reference/entra-id.md §1.1). `consumers` is not supported. */
export const MULTI_TENANT_SEGMENTS = ["organizations", "common"] as const;
export type MultiTenantSegment = (typeof MULTI_TENANT_SEGMENTS)[number];

const tenantGuid = z.string().check(z.regex(GUID, "must be a tenant id (a GUID)"));

/** Duck-typed: a CryptoKey from another realm (a worker, a test VM) is still a CryptoKey. */
const cryptoKey = z.custom<CryptoKey>(
  (v: unknown) => typeof v === "object" && v !== null && "algorithm" in v && "usages" in v && "type" in v,
  "must be a CryptoKey",
);

/**
 * A certificate registered on the app (`keyCredentials`, docs/reference/entra-id.md §9.2) and
 * its private key. The key never leaves this process; only assertions
 * signed with it do.
 */
export const clientCertificateSchema = z.strictObject({
  /** A PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), or a CryptoKey for the chosen algorithm. */
  privateKey: z.union([
    cryptoKey,
    z
      .string()
      .check(
        z.refine(
          (pem: string) => pem.includes("-----BEGIN PRIVATE KEY-----"),
          "must be a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) or a CryptoKey",
        ),
      ),
  ]),
  /** The certificate: PEM, or the standard base64 DER of an `x5c` entry. */
  certificate: z
    .string()
    .check(
      z.refine(
        (value: string) => certificateDer(value) !== undefined,
        "must be a PEM or base64 DER certificate",
      ),
    ),
  /** `PS256` (default; header `x5t#S256`) or `RS256` (header `x5t`, the older form). */
  algorithm: z._default(z.enum(["PS256", "RS256"]), "PS256"),
});

export const entraOptionsSchema = z
  // No DPoP: Entra ID does not issue RFC 9449 DPoP-bound tokens (docs/reference/entra-id.md §3.5).
  .extend(z.omit(oidcOptionsSchema, { issuer: true, dpop: true }), {
    /** The directory (tenant) id, a GUID; or `organizations`/`common` for a multi-tenant app. */
    tenantId: z
      .string()
      .check(
        z.refine(
          (value: string) => isMultiTenant(value) || GUID.test(value),
          "must be the tenant id (a GUID), 'organizations' or 'common'",
        ),
      ),
    /** Instead of `clientSecret`: authenticate with a certificate (`private_key_jwt`). */
    clientCertificate: z.optional(clientCertificateSchema),
    /** Required with `organizations`/`common`: the tenant ids (GUIDs) whose users and tokens are accepted. */
    allowedTenants: z.optional(z.array(tenantGuid).check(z.minLength(1, "must list at least one tenant id"))),
    /** Where Entra runs: the public cloud, a sovereign cloud, or an emulator. */
    authority: z._default(issuerUrl, "https://login.microsoftonline.com"),
    /** Base of v1 issuers (`https://sts.windows.net/{tid}/`); differs from the authority's host. */
    v1IssuerBase: z._default(issuerUrl, "https://sts.windows.net"),
    scope: z._default(z.string(), "openid profile email offline_access"),
    /** Entra signs with RS256 (docs/reference/entra-id.md §5.1). */
    algorithms: z._default(algorithmList, ["RS256"]),
    ...graphOptionsShape,
  })
  .check(
    z.superRefine((options, ctx) => {
      if (options.clientSecret !== undefined && options.clientCertificate !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["clientCertificate"],
          message: "use either clientSecret or clientCertificate, not both",
        });
      }
      const multi = isMultiTenant(options.tenantId);
      if (multi && options.allowedTenants === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["allowedTenants"],
          message: `is required with tenantId "${options.tenantId}": list the tenant ids whose users may sign in`,
        });
      }
      if (!multi && options.allowedTenants !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["allowedTenants"],
          message: "applies to tenantId 'organizations' or 'common' only; a GUID tenant accepts just itself",
        });
      }
    }),
  );

/**
 * Options of {@link entraId}: `id`, `tenantId` (or `organizations`/`common` with `allowedTenants`), `clientId`, a secret or certificate, `redirectUri`, `authority`.
 *
 * @example
 * const options: EntraProviderOptions = {
 *   id: "entra",
 *   tenantId,
 *   clientId,
 *   clientSecret: env.ENTRA_SECRET, // from the environment, never from the code
 *   groupOverage: "graph", // needs GroupMember.Read.All; without it, call resolveGroups() where groups matter
 * };
 * const entra = entraId(options);
 */
export type EntraProviderOptions = z.input<typeof entraOptionsSchema>;
export type EntraOptions = z.output<typeof entraOptionsSchema>;

export function isMultiTenant(tenantId: string): tenantId is MultiTenantSegment {
  return (MULTI_TENANT_SEGMENTS as readonly string[]).includes(tenantId);
}
