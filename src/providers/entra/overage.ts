/**
 * The `entraId()` options for Microsoft Graph and the groups overage, and
 * the step that fills `principal.groups` when a token has the overage
 * (docs/reference/entra-id.md §5.4). Opt-in: `groupOverage: "graph"` resolves on every
 * verified principal; the default `"keep"` leaves `groups` empty and the
 * overage marker in the claims, and `provider.resolveGroups()` does it on
 * demand.
 */
import * as z from "zod/mini";
import { issuerUrl } from "../../core/mini-schemas.js";
import type { Runtime } from "../../core/runtime.js";
import type { Principal, TokenSet } from "../../core/types.js";
import { hasGroupsOverage } from "./claims.js";
import { GraphClient } from "./graph.js";
import { GroupResolver } from "./groups.js";

/** The resource whose `.default` scope app-only Graph tokens are asked for (§11.7). */
export const GRAPH_RESOURCE = "https://graph.microsoft.com";

export const graphOptionsShape = {
  /**
   * `"graph"`: a principal whose token has the groups overage gets its groups from Graph (needs a client
   * secret and the `GroupMember.Read.All` application permission). `"keep"` (default): no Graph call.
   */
  groupOverage: z._default(z.enum(["keep", "graph"]), "keep"),
  /** Microsoft Graph. */
  graph: z._default(
    z.strictObject({
      /** Where Graph runs: the public cloud, a national cloud, or an emulator. */
      url: z._default(issuerUrl, GRAPH_RESOURCE),
      /** How long a user's resolved groups are reused. */
      cacheTtlSeconds: z._default(z.int().check(z.gte(0), z.lte(86_400)), 300),
      cacheMaxEntries: z._default(z.int().check(z.positive()), 10_000),
      /** `$top` of each page (Graph allows 1–999). */
      pageSize: z._default(z.int().check(z.gte(1), z.lte(999)), 999),
      /** Retries of a throttled (429) request. */
      maxRetries: z._default(z.int().check(z.gte(0), z.lte(10)), 2),
      /** The longest `Retry-After` waited for; longer ones fail at once with `retryAfter`. */
      maxRetryAfterSeconds: z._default(z.number().check(z.gte(0), z.lte(300)), 30),
      /** First backoff of a 429 without `Retry-After`, doubled per retry. */
      backoffSeconds: z._default(z.number().check(z.gte(0), z.lte(60)), 1),
    }),
    {
      url: GRAPH_RESOURCE,
      cacheTtlSeconds: 300,
      cacheMaxEntries: 10_000,
      pageSize: 999,
      maxRetries: 2,
      maxRetryAfterSeconds: 30,
      backoffSeconds: 1,
    },
  ),
};

type GraphOptions = z.output<z.ZodMiniObject<typeof graphOptionsShape>>;

/** The provider's one Graph client: app-only tokens from its own client credentials. */
export function graphClient(
  provider: string,
  options: GraphOptions,
  runtime: Runtime,
  appToken: () => Promise<TokenSet>,
): GraphClient {
  return new GraphClient({
    provider,
    baseUrl: options.graph.url,
    runtime,
    appToken,
    maxRetries: options.graph.maxRetries,
    maxRetryAfterSeconds: options.graph.maxRetryAfterSeconds,
    backoffSeconds: options.graph.backoffSeconds,
  });
}

export function groupResolver(graph: GraphClient, options: GraphOptions, runtime: Runtime): GroupResolver {
  return new GroupResolver(graph, {
    ttlSeconds: options.graph.cacheTtlSeconds,
    maxEntries: options.graph.cacheMaxEntries,
    pageSize: options.graph.pageSize,
    now: runtime.now,
  });
}

/**
 * `principal` with its groups from Graph when its token had the overage;
 * unchanged otherwise. Only principals of this provider and tenant: Graph
 * is asked about nobody else (fail closed).
 */
export async function withGraphGroups(
  principal: Principal,
  expected: { readonly provider: string; readonly tenantId: string },
  resolver: GroupResolver,
): Promise<Principal> {
  if (principal.provider !== expected.provider || principal.tenant?.toLowerCase() !== expected.tenantId) {
    throw new TypeError(
      `provider "${expected.provider}" cannot resolve groups of another provider or tenant`,
    );
  }
  if (!hasGroupsOverage(principal.claims)) return principal;
  const groups = await resolver.groupsOf(expected.tenantId, principal.subject);
  return { ...principal, groups };
}

/**
 * Many principals of this provider and tenant at once, batched (`$batch`);
 * principals without the overage come back unchanged and cost nothing.
 */
export async function withGraphGroupsMany(
  principals: readonly Principal[],
  expected: { readonly provider: string; readonly tenantId: string },
  resolver: GroupResolver,
): Promise<Principal[]> {
  for (const principal of principals) {
    if (principal.provider !== expected.provider || principal.tenant?.toLowerCase() !== expected.tenantId) {
      throw new TypeError(
        `provider "${expected.provider}" cannot resolve groups of another provider or tenant`,
      );
    }
  }
  const overage = principals.filter((p) => hasGroupsOverage(p.claims)).map((p) => p.subject);
  const groups = await resolver.groupsOfMany(expected.tenantId, overage);
  return principals.map((p) => {
    const resolved = hasGroupsOverage(p.claims) ? groups.get(p.subject.toLowerCase()) : undefined;
    return resolved ? { ...p, groups: resolved } : p;
  });
}
