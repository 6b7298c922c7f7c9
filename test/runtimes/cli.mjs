// The smoke as a program, for Node, Bun and Deno: the parent's settings as
// the one argument (JSON), what was proved on stdout, a failure as a
// non-zero exit.
import { smoke } from "./smoke.mjs";

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
for (const line of await smoke(JSON.parse(args[0]))) console.log(line);
