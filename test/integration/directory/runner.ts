/**
 * A mirror run in a child process, for the kill tests: options from argv as
 * JSON, the checkpoint in a file, and one IPC message per write so the parent
 * can SIGKILL it after exactly N writes (mid-page, mid-request).
 */
import { entraDirectory, keycloakDirectory, mirror } from "../../../src/directory/index.js";
import { FileStateStore } from "./file-state.js";

const config = JSON.parse(process.argv[2] ?? "{}");
const run = mirror({
  source: entraDirectory(config.source),
  target: keycloakDirectory(config.target),
  state: new FileStateStore(config.statePath),
  policy: "propagate",
  concurrency: 4,
  onProgress: (p) => process.send?.({ writes: p.writes }),
});
run
  .apply()
  .then((result) => process.send?.({ done: result.writes }))
  .catch((err: unknown) => process.send?.({ failed: String(err) }))
  .finally(() => process.disconnect?.());
