/** What a command is given: its arguments, the environment, and where its output and messages go. */
import type { Environment } from "idswitch";
import type { ProgressStream } from "./progress.js";

export interface CommandIo {
  readonly args: readonly string[];
  readonly env: Environment;
  /** A line of the command's output (standard output): the report, or its JSON. */
  readonly write: (line: string) => void;
  /** Standard error: messages for the operator, and progress. */
  readonly stderr: ProgressStream;
}

/** A line to standard error. */
export function errorLine(io: CommandIo): (line: string) => void {
  return (line) => io.stderr.write(`${line}\n`);
}
