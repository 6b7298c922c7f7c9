/**
 * Streaming Graph collections: one page in memory at a time. The Graph
 * client (`providers/entra/graph.ts`) brings the token, the throttling
 * (`Retry-After`, backoff) and the error translation; its `all()` buffers a
 * whole collection, which a 50,000-person directory must not, so the pages
 * are walked here instead.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { GraphClient, GraphPage } from "../../providers/entra/graph.js";

/** Graph delta pages also end with an `@odata.deltaLink` (docs/reference/entra-id.md §11.3). */
export interface DeltaPage<T> extends GraphPage<T> {
  readonly "@odata.deltaLink"?: string;
}

/** More pages than any directory needs: a guard against a service that never ends a chain. */
const MAX_PAGES = 100_000;

/** Each item of the collection at `path` (relative to `/v1.0`), following nextLinks verbatim (§11.2). */
export async function* items<T>(graph: GraphClient, path: string, provider: string): AsyncGenerator<T> {
  let url: string | undefined = graph.url(path);
  for (let pages = 0; url !== undefined; pages++) {
    if (pages >= MAX_PAGES) throw malformed(provider);
    const page: GraphPage<T> = await graph.get<GraphPage<T>>(url);
    if (!Array.isArray(page.value)) throw malformed(provider);
    yield* page.value;
    url = nextLink(page["@odata.nextLink"], graph, provider);
  }
}

/** A nextLink to follow, refused when it points elsewhere: it would carry our token to another host. */
export function nextLink(link: unknown, graph: GraphClient, provider: string): string | undefined {
  if (link === undefined) return undefined;
  if (typeof link !== "string" || new URL(link).origin !== new URL(graph.url("/")).origin) {
    throw malformed(provider);
  }
  return link;
}

export function malformed(provider: string): IdSwitchError {
  return new IdSwitchError("provider_unavailable", `${provider}: Microsoft Graph sent a malformed answer`, {
    provider,
    reason: "malformed_response",
  });
}
