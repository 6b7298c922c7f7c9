/**
 * The Lua scripts behind the StateStore's compound operations. Redis runs a
 * script atomically, so each is one indivisible step for every client.
 * Run by hash (EVALSHA), loaded on a miss (NOSCRIPT) with EVAL.
 */
import { createHash } from "node:crypto";
import type { RedisClientLike } from "./client.js";

export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

/**
 * KEYS[1] counter; ARGV[1] step; ARGV[2] time to live in ms or "".
 * A missing counter starts at the step with the time to live (a fixed
 * window: later increments keep it); a value that is not a number restarts
 * at the step, keeping its expiry — as the in-memory store does. Integers
 * use INCRBY (exact to 2^63); anything else INCRBYFLOAT. Returns the new
 * value as text, since Lua numbers returned to Redis lose their fraction.
 */
export const INCREMENT = script(`
local cur = redis.call('GET', KEYS[1])
local n = cur and tonumber(cur)
if not n then
  if cur then
    redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
  elseif ARGV[2] == '' then
    redis.call('SET', KEYS[1], ARGV[1])
  else
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  end
  return ARGV[1]
end
if string.match(cur, '^-?%d+$') and string.match(ARGV[1], '^-?%d+$') then
  return tostring(redis.call('INCRBY', KEYS[1], ARGV[1]))
end
return redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
`);

/**
 * KEYS[1] key; ARGV[1] "1" when a value is expected, "0" for absent;
 * ARGV[2] expected JSON; ARGV[3] next JSON; ARGV[4] time to live or "".
 * Stored text is JSON.stringify output, so comparing text is comparing as
 * the in-memory store does (JSON equality). Returns 1 when replaced.
 */
export const COMPARE_AND_SET = script(`
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if cur then return 0 end
elseif cur ~= ARGV[2] then
  return 0
end
if ARGV[4] == '' then
  redis.call('SET', KEYS[1], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
return 1
`);

export async function runScript(
  client: RedisClientLike,
  { source, sha }: Script,
  keys: readonly string[],
  args: readonly string[],
  timeout: number,
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await client.sendCommand(["EVALSHA", sha, ...tail], { timeout });
  } catch (error) {
    // First use on this server (or after SCRIPT FLUSH / a restart): send the source once.
    if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error;
    return client.sendCommand(["EVAL", source, ...tail], { timeout });
  }
}
