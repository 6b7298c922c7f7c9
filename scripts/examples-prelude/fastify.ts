// The free variables of the `@example` blocks in src/integrations/fastify/ (see idswitch.ts): a Fastify 5 app.

import type { FastifyInstance } from "fastify";
import type { FastifyIdswitch } from "idswitch/fastify";

export * from "./idswitch.js";

export declare const app: FastifyInstance;
export declare const auth: FastifyIdswitch;
/** The session cookie's secret (32+ characters). */
export declare const secret: string;
