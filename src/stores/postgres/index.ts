/**
 * `idswitch/stores/postgres`: links (and, optionally, expiring state) in a
 * PostgreSQL schema shared by every app instance. Needs the optional peer
 * dependency `pg` (node-postgres 8.x).
 *
 * @module idswitch/stores/postgres
 */
export { type PostgresLinkStore, postgresLinkStore } from "./link-store.js";
export { CURRENT_VERSION as POSTGRES_SCHEMA_VERSION } from "./migrations.js";
export type { PostgresStoreOptions } from "./options.js";
export { type PostgresStateStore, postgresStateStore } from "./state-store.js";
