// The smoke as a Worker module, for workerd: the parent POSTs its settings
// and gets back what was proved (200) or the failure (500). Everything runs
// inside the request, as a Worker's I/O must.
import { smoke } from "./smoke.mjs";

export default {
  async fetch(request) {
    try {
      return Response.json({ proved: await smoke(await request.json()) });
    } catch (error) {
      return Response.json({ error: String(error?.message ?? error) }, { status: 500 });
    }
  },
};
