// Library code is silent by default (logging goes to an injected logger, off
// unless the app passes one). A test that makes anything write to the console
// fails, so a stray log — which could carry a token — cannot slip in.
import { afterEach, beforeEach, expect, vi } from "vitest";

const METHODS = ["log", "info", "warn", "error", "debug", "trace"] as const;
let written: string[] = [];

beforeEach(() => {
  written = [];
  for (const method of METHODS) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      written.push(`console.${method}(${args.map(String).join(", ")})`);
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  expect(written, "nothing may write to the console").toEqual([]);
});
