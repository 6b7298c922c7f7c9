// The smoke as a Worker module, for workerd: the parent POSTs its settings
// and gets back what was proved (200) or the failure (500). The identity is
// created at module scope, as Worker apps do — where workerd refuses timers
// and random values — from the settings the parent bundled in
// (`__SMOKE_ENV__`); all of its I/O then runs inside the request.
import { makeIdentity, smoke } from "./smoke.mjs";

const identity = makeIdentity(__SMOKE_ENV__); // defined by the bundler (scripts/runtimes/smoke.mjs)

export default {
  async fetch(request) {
    try {
      const proved = await smoke(await request.json(), identity);
      return Response.json({ proved: ["createIdentity at module scope", ...proved] });
    } catch (error) {
      return Response.json({ error: String(error?.message ?? error) }, { status: 500 });
    }
  },
};
