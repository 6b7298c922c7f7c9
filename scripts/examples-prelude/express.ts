// The free variables of the `@example` blocks in src/integrations/express/ and
// src/integrations/core/ (see idswitch.ts): an Express 5 app.

import type { Express } from "express";
import type { ExpressIdswitch } from "idswitch/express";

export * from "./idswitch.js";

export declare const app: Express;
export declare const auth: ExpressIdswitch;
/** The session cookie's secret (32+ characters). */
export declare const secret: string;
