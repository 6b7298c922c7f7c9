/**
 * The mirror's progress on standard error, so standard output stays the
 * report (or the JSON). On a terminal: one line redrawn in place, a bar over
 * the run's phases with live counts. Elsewhere (a log file, CI, a pipe): plain
 * lines, one per phase and one per thousand people read.
 *
 * The bar counts phases, not people: Graph's delta round does not say how many
 * users it will list, and a count of its own would cost a second read of the
 * whole directory.
 */
import type { MirrorProgress } from "idswitch/directory";

/** Where progress goes: standard error, or a test's recorder. */
export interface ProgressStream {
  write(text: string): void;
  readonly isTTY?: boolean | undefined;
}

const PHASES: readonly MirrorProgress["phase"][] = ["setup", "users", "disables", "groups", "roles"];
const WIDTH = 20;
const REDRAW_MS = 100;
const LINE_EVERY = 1000;

export interface Progress {
  update(progress: MirrorProgress): void;
  /** Ends the display (clears the bar on a terminal) with a closing line. */
  finish(line: string): void;
}

export function progressOn(stream: ProgressStream, label: string, now: () => number = Date.now): Progress {
  const started = now();
  let phase: MirrorProgress["phase"] | undefined;
  let lastDraw = 0;
  let lastLine = 0;
  const elapsed = () => formatDuration(now() - started);
  if (stream.isTTY) {
    let drawn = false;
    return {
      update(p) {
        const changed = p.phase !== phase;
        phase = p.phase;
        if (!changed && now() - lastDraw < REDRAW_MS) return;
        lastDraw = now();
        stream.write(`\r\x1b[2K${label} ${bar(p.phase)} ${p.phase} · ${counts(p)} · ${elapsed()}`);
        drawn = true;
      },
      finish(line) {
        stream.write(`${drawn ? "\r\x1b[2K" : ""}${label}: ${line} (${elapsed()})\n`);
      },
    };
  }
  return {
    update(p) {
      if (p.phase !== phase) {
        phase = p.phase;
        lastLine = p.processed;
        stream.write(`${label}: ${p.phase}…\n`);
      } else if (p.processed - lastLine >= LINE_EVERY) {
        lastLine = p.processed - (p.processed % LINE_EVERY);
        stream.write(`${label}: ${p.phase}: ${counts(p)}\n`);
      }
    },
    finish(line) {
      stream.write(`${label}: ${line} (${elapsed()})\n`);
    },
  };
}

function bar(phase: MirrorProgress["phase"]): string {
  const per = WIDTH / PHASES.length;
  const filled = Math.round(PHASES.indexOf(phase) * per + per / 2);
  return `[${"█".repeat(filled)}${"·".repeat(WIDTH - filled)}]`;
}

function counts(p: MirrorProgress): string {
  return `${p.processed.toLocaleString("en")} read, ${p.writes.toLocaleString("en")} writes`;
}

function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
