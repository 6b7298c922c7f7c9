/**
 * Freezes a process group (SIGSTOP: the port stays open, nothing answers)
 * and waits until every thread of it is really stopped. The signal is
 * delivered asynchronously: on a busy machine a Keycloak thread already on
 * a CPU could still answer the next request, and a test would see an
 * "outage" that had not begun yet.
 */
import { readdirSync, readFileSync } from "node:fs";

export async function freezeProcessGroup(pgid: number): Promise<void> {
  process.kill(-pgid, "SIGSTOP");
  for (let attempt = 0; attempt < 500; attempt++) {
    const states = threadStates(pgid);
    if (states.length > 0 && states.every((state) => state === "T" || state === "t")) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`process group ${pgid} did not stop within 5 s`);
}

/** The state letter of every thread of every process in the group (Linux /proc). */
function threadStates(pgid: number): string[] {
  const states: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    const fields = statFields(`/proc/${pid}/stat`);
    if (fields?.[2] !== String(pgid)) continue; // after the command: state, ppid, pgrp
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // the process ended
    }
    for (const tid of tasks) {
      const state = statFields(`/proc/${pid}/task/${tid}/stat`)?.[0];
      if (state) states.push(state);
    }
  }
  return states;
}

function statFields(path: string): string[] | undefined {
  try {
    const stat = readFileSync(path, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}
