/** The `idswitch` command run in-process, as the bin would run it: exit code, standard output, standard error. */
import { main } from "../../../src/cli/main.js";

export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function idswitch(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    env,
    write: (line) => out.push(line),
    stderr: { write: (text) => err.push(text), isTTY: false },
  });
  return { code, out: out.join("\n"), err: err.join("") };
}
