/**
 * The folder of the idswitch package this code runs from. tsup bundles the
 * CLI into chunks (`dist/cli/index.js`, `dist/run-*.js`) at depths that differ
 * from the sources' (`src/cli/demo/*.ts`), so a path written relative to one
 * file breaks in the other: walk up to the package.json that names idswitch.
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The nearest folder above `from` whose package.json is idswitch's; `undefined` when there is none. */
export async function packageRoot(from: string = import.meta.url): Promise<string | undefined> {
  let folder = dirname(fileURLToPath(from));
  for (;;) {
    if ((await packageName(join(folder, "package.json"))) === "idswitch") return folder;
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}

async function packageName(file: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(file, "utf8")) as { name?: unknown }).name as string | undefined;
  } catch {
    return undefined;
  }
}
