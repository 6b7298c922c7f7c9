/**
 * `idswitch/stores/sqlite`: durable links and expiring state in one SQLite
 * file, for an application on one machine. Needs the optional peer
 * dependency `better-sqlite3` (12.x).
 *
 * @module idswitch/stores/sqlite
 */
export { sqliteLinkStore } from "./link-store.js";
export { CURRENT_VERSION as SQLITE_SCHEMA_VERSION } from "./migrations.js";
export type { SqliteStoreOptions } from "./options.js";
export { type SqliteStateStoreOptions, sqliteStateStore } from "./state-store.js";
