/** The README's code that CI runs must be the code in the README: examples are copied in, not paraphrased. */
import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";

it("the README's emulator example is examples/testing/entra-emulator.test.ts, verbatim", async () => {
  const [readme, example] = await Promise.all([
    readFile(new URL("../../README.md", import.meta.url), "utf8"),
    readFile(new URL("../../examples/testing/entra-emulator.test.ts", import.meta.url), "utf8"),
  ]);
  expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
});
