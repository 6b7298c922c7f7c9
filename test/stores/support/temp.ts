import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh folder under the OS temp dir, and the way to remove it. */
export function tempFolder(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `idswitch-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
