/**
 * Key sets (docs/reference/entra-id.md §1.6, §1.5). v2 keys carry the non-standard `issuer`
 * member a multi-tenant validator must honour: the `{tenantid}` template on
 * `common`/`organizations`, the concrete tenant issuer on a tenant's own
 * set, and the MSA tenant's issuer on the personal-account key (published
 * on `common` and `consumers`). v1 sets have no `issuer` member.
 */
import { type Core, issuerV2 } from "./core.js";
import { type Authority, MSA_TENANT_ID } from "./directory.js";
import { json, metadataHeaders, type Reply, type RequestContext } from "./http.js";
import type { SigningKey } from "./keys.js";

function jwk(key: SigningKey, issuer: string | undefined): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    kty: "RSA",
    use: "sig",
    kid: key.kid,
    x5t: key.kid,
    n: key.n,
    e: key.e,
    x5c: [key.x5c],
  };
  if (issuer !== undefined) entry.issuer = issuer;
  return entry;
}

export async function keySet(core: Core, authority: Authority, version: 1 | 2): Promise<{ keys: unknown[] }> {
  const issuer = (tid: string) => (version === 2 ? issuerV2(core, tid) : undefined);
  const msa = async () => [jwk(await core.keys.msaKey(), issuer(MSA_TENANT_ID))];
  const work = async (tid: string) => (await core.keys.workKeys()).map((key) => jwk(key, issuer(tid)));
  switch (authority.kind) {
    case "tenant":
      return { keys: await work(authority.tenant.id) };
    case "consumers":
      return { keys: await msa() };
    case "organizations":
      return { keys: await work("{tenantid}") };
    case "common":
      return { keys: [...(await work("{tenantid}")), ...(await msa())] };
  }
}

export async function jwksReply(
  core: Core,
  ctx: RequestContext,
  authority: Authority,
  version: 1 | 2,
): Promise<Reply> {
  return json(200, await keySet(core, authority, version), metadataHeaders(ctx));
}
