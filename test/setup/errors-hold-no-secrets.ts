// Every IdSwitchError a test file makes — thrown to the test, caught and
// translated inside idswitch, or made by an app under test — is searched, when
// each top-level suite of the file is done, for tokens, codes, secrets and claims sets
// anywhere a logger could reach (test/support/secret-walker.ts). A leak fails
// the file, naming the error and the path to what leaked, never its value.
//
// How the errors are collected: `super()` in a class constructor calls the
// class's prototype at the time of the call, so IdSwitchError (of this file's
// module graph, the one its tests and idswitch share) is given a recording
// parent between itself and `Error`. Nothing else changes: the global `Error`,
// which native modules use, is left alone.
import { appendFileSync, mkdirSync } from "node:fs";
import { afterAll, expect } from "vitest";
import { IdSwitchError } from "../../src/core/errors.js";
import { findLeaks } from "../support/secret-walker.js";

const RECORDS = Symbol.for("idswitch.test.records-errors");

function collect(): Error[] {
  const parent = Object.getPrototypeOf(IdSwitchError) as ErrorConstructor & { [RECORDS]?: Error[] };
  const existing = parent[RECORDS];
  if (existing) return existing;
  const collected: Error[] = [];
  class Recording extends parent {
    static override readonly [RECORDS] = collected;
    constructor(...args: ConstructorParameters<ErrorConstructor>) {
      super(...args);
      collected.push(this);
    }
  }
  Object.setPrototypeOf(IdSwitchError, Recording);
  return collected;
}

const collected = collect();
// What an earlier file of this worker left is that file's business (checked there).
collected.length = 0;

// biome-ignore lint/correctness/noEmptyPattern: vitest reads its first parameter as a fixture pattern
afterAll(({}, suite) => {
  const errors = collected.splice(0);
  const leaks = errors.flatMap((error) =>
    findLeaks(error).map(
      (leak) =>
        `${error.name} (${Reflect.get(error, "code")}): ${leak.kind} at ${leak.path || "(the error)"}`,
    ),
  );
  // How many errors were searched, per file: reports/errors-searched.jsonl (for the record).
  mkdirSync("reports", { recursive: true });
  appendFileSync(
    "reports/errors-searched.jsonl",
    `${JSON.stringify({ file: suite.file.filepath, errors: errors.length, leaks: leaks.length })}\n`,
  );
  expect(leaks, "no token, code, secret or claims set reachable from an IdSwitchError").toEqual([]);
});
