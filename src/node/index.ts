/// <reference types="node" />
/**
 * `idswitch/node`: a `fetch` for Node that enforces a connect budget
 * (`runtime.connectTimeoutMs`), which a web fetch cannot see. The root entry
 * stays web-standard (Deno, Bun, workerd); this one is Node-only.
 *
 * @example
 * import { createIdentity, entraId, keycloak } from "idswitch";
 * import { nodeFetch } from "idswitch/node";
 *
 * // One pool of kept-alive connections for every provider; 1 s to connect, 5 s to answer.
 * const runtime = { fetch: nodeFetch(), connectTimeoutMs: 1_000, timeoutMs: 5_000 };
 * const identity = createIdentity({
 *   providers: [
 *     entraId({ id: "entra", tenantId: "8eaef023-2b34-4da1-9baa-8bc8c9d6a490", clientId: "portal", runtime }),
 *     keycloak({ id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId: "portal", runtime }),
 *   ],
 * });
 *
 * @module idswitch/node
 */
export {
  CONNECT_TIMEOUT_MS,
  ConnectTimeoutError,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type NodeFetchOptions,
  nodeFetch,
} from "./fetch.js";
