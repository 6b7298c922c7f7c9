#!/usr/bin/env node
// Prints the one-line summary CI reads, `N passed, N failed, N skipped`,
// from the JUnit report vitest writes (reports/junit.xml).
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "reports/junit.xml";
let xml;
try {
  xml = readFileSync(file, "utf8");
} catch {
  console.log("0 passed, 1 failed, 0 skipped");
  console.error(`no test report at ${file}: the test runner did not finish`);
  process.exit(1);
}
const cases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? [];
let failed = 0;
let skipped = 0;
for (const c of cases) {
  if (/<(failure|error)\b/.test(c)) failed++;
  else if (/<skipped\b/.test(c)) skipped++;
}
console.log(`${cases.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
