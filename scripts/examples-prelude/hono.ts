// The free variables of the `@example` blocks in src/integrations/hono/ (see idswitch.ts): a Hono 4 app.

import type { Hono } from "hono";
import type { HonoIdswitch, IdswitchEnv } from "idswitch/hono";

export { Hono } from "hono";
export * from "./idswitch.js";

export declare const app: Hono<IdswitchEnv>;
export declare const auth: HonoIdswitch;
/** The session cookie's secret (32+ characters). */
export declare const secret: string;
