/**
 * The options of `entraId({...})`, checked with zod at construction.
 *
 * A multi-tenant app names its authority (`organizations` or `common`) AND
 * the tenants it accepts: Entra's multi-tenant issuer is a template any
 * tenant fills, so without a list a token minted in an attacker's own free
 * tenant would pass. There is deliberately no "any tenant" switch.
 */
import { z } from "zod";
import { issuerUrl } from "../../core/config.js";
import { oidcOptionsSchema } from "../oidc/options.js";
import { GUID } from "./issuers.js";

/** Authorities that sign in users of many tenants (ENTRA.md §1.1). `consumers` is not supported. */
export const MULTI_TENANT_SEGMENTS = ["organizations", "common"] as const;
export type MultiTenantSegment = (typeof MULTI_TENANT_SEGMENTS)[number];

const tenantGuid = z.string().regex(GUID, "must be a tenant id (a GUID)");

export const entraOptionsSchema = oidcOptionsSchema
  .omit({ issuer: true })
  .extend({
    /** The directory (tenant) id, a GUID; or `organizations`/`common` for a multi-tenant app. */
    tenantId: z
      .string()
      .refine(
        (value) => isMultiTenant(value) || GUID.test(value),
        "must be the tenant id (a GUID), 'organizations' or 'common'",
      ),
    /** Required with `organizations`/`common`: the tenant ids (GUIDs) whose users and tokens are accepted. */
    allowedTenants: z.array(tenantGuid).min(1, "must list at least one tenant id").optional(),
    /** Where Entra runs: the public cloud, a sovereign cloud, or an emulator. */
    authority: issuerUrl.default("https://login.microsoftonline.com"),
    /** Base of v1 issuers (`https://sts.windows.net/{tid}/`); differs from the authority's host. */
    v1IssuerBase: issuerUrl.default("https://sts.windows.net"),
    scope: z.string().default("openid profile email offline_access"),
    /** Entra signs with RS256 (ENTRA.md §5.1). */
    algorithms: oidcOptionsSchema.shape.algorithms.unwrap().default(["RS256"]),
  })
  .superRefine((options, ctx) => {
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
  });

export type EntraProviderOptions = z.input<typeof entraOptionsSchema>;
export type EntraOptions = z.output<typeof entraOptionsSchema>;

export function isMultiTenant(tenantId: string): tenantId is MultiTenantSegment {
  return (MULTI_TENANT_SEGMENTS as readonly string[]).includes(tenantId);
}
