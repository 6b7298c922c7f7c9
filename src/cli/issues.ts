/**
 * How every command prints a rejected configuration: each problem on its own
 * line with its path and where it came from (the file, or the IDSWITCH__*
 * variable), never the rejected value (it may be a secret).
 */
import type { IdSwitchError } from "idswitch";

export function printIssues(err: IdSwitchError, json: boolean, write: (line: string) => void): void {
  const issues = err.issues ?? [{ path: "(root)", message: err.message }];
  if (json) {
    write(JSON.stringify({ valid: false, issues }, null, 2));
    return;
  }
  write("The configuration is invalid:");
  for (const issue of issues) {
    const from = issue.source && !issue.message.includes(issue.source) ? `  ← ${issue.source}` : "";
    write(`  ${issue.path}: ${issue.message}${from}`);
  }
}
