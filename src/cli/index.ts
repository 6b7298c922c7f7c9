#!/usr/bin/env node
/**
 * The `idswitch` bin: runs {@link main} with this process's arguments,
 * environment and streams, and exits with its code.
 */
import { main } from "./main.js";

main(process.argv.slice(2), {
  env: process.env,
  write: (line) => process.stdout.write(`${line}\n`),
  stderr: process.stderr,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`idswitch: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
