import { z } from "zod";
import { parseOptions } from "./options.js";

const rolesSchema = z.array(z.string().min(1, "must not be empty")).min(1, "name at least one role");

/** Checks `requireRole(...)` arguments when the middleware is made, not on the first request. */
export function parseRoles(roles: readonly string[], what: string): readonly string[] {
  return parseOptions(rolesSchema, roles, `${what}.requireRole`);
}
