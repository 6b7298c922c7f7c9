/**
 * Tells the demo's story as it happens: one line per step with how long it
 * took, so a person watching sees both what happened and what it cost.
 */
export interface Narrator {
  /** A chapter heading. */
  chapter(title: string): void;
  /** Runs one step, printing its description and duration (or its failure). */
  step<T>(description: string, run: () => Promise<T>): Promise<T>;
  /** A remark within a step: what the app or the SDK said. */
  say(text: string): void;
}

export function narrator(
  write: (line: string) => void,
  now: () => number = () => performance.now(),
): Narrator {
  return {
    chapter: (title) => write(`\n== ${title}`),
    async step(description, run) {
      const started = now();
      write(`  ▸ ${description}`);
      try {
        const result = await run();
        write(`    ✔ ${formatMs(now() - started)}`);
        return result;
      } catch (err) {
        write(`    ✘ failed after ${formatMs(now() - started)}`);
        throw err;
      }
    },
    say: (text) => write(`    ${text}`),
  };
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
