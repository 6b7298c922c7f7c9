/**
 * `idswitch/stores/redis`: expiring state and notifications shared by every
 * app instance. Needs the optional peer dependency `redis` (node-redis 5 or 6)
 * and Redis 6.2 or later.
 *
 * @module idswitch/stores/redis
 */
export type { RedisClientLike } from "./client.js";
export { type RedisStateStoreOptions, redisStateStore } from "./state-store.js";
