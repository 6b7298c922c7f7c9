// The stores-redis6 project's guard: "redis" must be node-redis 6 here (the alias to the
// `redis6` devDependency), in the store's client module as in the tests' admin clients —
// else the project would quietly run the suite on 5 again.
import { createClient } from "redis";
import { createClient as createClient6 } from "redis6";

// The types are each major's own: only the runtime identity tells them apart.
if ((createClient as unknown) !== createClient6) {
  throw new Error('"redis" is not node-redis 6 in the stores-redis6 project');
}
