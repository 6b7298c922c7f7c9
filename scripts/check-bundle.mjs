#!/usr/bin/env node
// What the root entry costs an edge app: the BUILT package (`dist/index.js`,
// run `npm run build` first) bundled the way a worker bundler does it —
// esbuild, ESM, minified, every dependency inlined (openid-client, jose, zod),
// worker export conditions — measured minified and gzipped, with the packages
// that weigh the most (esbuild's metafile). Two bundles: the whole root entry,
// and an app that imports only `IdSwitchError` (what tree-shaking leaves).
//
//   node scripts/check-bundle.mjs           print the figures
//   node scripts/check-bundle.mjs --check   also exit 1 when the root entry is over BUDGET_GZIP_BYTES
//   node scripts/check-bundle.mjs --write   also write the "after" figures into bench/BUNDLE.md
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = resolve(import.meta.dirname, "..");
const entry = resolve(root, "dist/index.js");

/**
 * The root entry bundled for a worker must stay at or under this many gzip
 * bytes. Measured at 82,762 B after the move to zod/mini (bench/BUNDLE.md);
 * the budget is that plus ~10 % for ordinary growth. It is above the issue's
 * 45 KB goal because idswitch's own code, every dependency left out, is
 * already ~46 KB gzip (the OIDC engine, routing, signals): the budget's job is
 * to stop regressions, and classic zod creeping back into the root (≈ +75 KB
 * gzip) or a driver or framework being imported there fails it at once.
 */
const BUDGET_GZIP_BYTES = 91_000;

/**
 * What the same bundles weighed before the root moved to zod/mini (the root
 * entry's sources of commit a8ca356, measured with this script), kept so bench/BUNDLE.md can show both.
 */
const BEFORE = {
  root: { minified: 658_597, gzip: 157_609 },
  only: { minified: 477_912, gzip: 100_536 },
  byPackage: [
    ["zod", 453_923],
    ["idswitch", 143_450],
    ["jose", 25_401],
    ["oauth4webapi", 24_162],
    ["openid-client", 10_783],
  ],
};

const BUNDLES = [
  { name: 'root entry (`import * from "idswitch"`)', contents: `export * from ${JSON.stringify(entry)};` },
  {
    name: "`IdSwitchError` only",
    contents: `export { IdSwitchError } from ${JSON.stringify(entry)};`,
  },
];

/** One bundle as a worker bundler (wrangler, Vercel edge) would make it. */
async function measure({ name, contents }) {
  const result = await build({
    stdin: { contents, resolveDir: root, sourcefile: "app.js", loader: "js" },
    bundle: true,
    format: "esm",
    platform: "neutral",
    // Cloudflare's wrangler resolves with these; `neutral` alone would pick no condition.
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    target: "es2022",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  const output = Object.values(result.metafile.outputs)[0];
  return {
    name,
    minified: code.byteLength,
    gzip: gzipSync(code, { level: 9 }).byteLength,
    byPackage: byPackage(output),
  };
}

/** Minified bytes per package (`idswitch` for the package's own dist), largest first. */
function byPackage(output) {
  const sizes = new Map();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const name = match ? match[1] : "idswitch";
    sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
  }
  return [...sizes].filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1]);
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

function report(results) {
  for (const r of results) {
    console.log(`${r.name}: ${r.minified} B minified (${kb(r.minified)}), ${r.gzip} B gzip (${kb(r.gzip)})`);
    for (const [name, bytes] of r.byPackage.slice(0, 6)) {
      const share = ((bytes / r.minified) * 100).toFixed(0);
      console.log(`  ${name.padEnd(16)} ${String(bytes).padStart(8)} B  ${share.padStart(3)} %`);
    }
  }
}

/** What the figures mean; kept with the script so a rewrite of the file keeps it. */
const NOTES = `## What changed, and what is left

- Before: the root entry imported classic \`zod\` (chained methods: the whole library, its
  locales included, whatever is used). Now every schema the root reaches is written with
  \`zod/mini\`, which tree-shakes, and the \`config_invalid\` messages are zod's English ones
  passed to each parse (\`src/core/config.ts\`), word for word what they were.
- The \`directory\` section of the configuration file is written again with \`zod/mini\` in
  \`src/config/directory-schema.ts\` instead of being derived from the directory module's classic
  schemas; \`test/unit/config-directory-schema.test.ts\` holds the two equal (JSON Schema, outcomes,
  messages). Once \`src/directory/*/options.ts\` move to \`zod/mini\` too, the section can be
  derived from them again.
- Still in the root: idswitch itself (145 KB minified, 46 KB gzip with every dependency left out: the OIDC engine,
  routing and failover, signals, Entra and Keycloak specifics), jose + openid-client + oauth4webapi
  (≈ 60 KB minified, all used by the engine), and zod/mini's engine (≈ 40 KB minified) plus its
  JSON Schema generator (≈ 21 KB minified, there only for \`configJsonSchema\`). The issue's
  45 KB gzip goal is below what idswitch's own code weighs, so it is not reachable without
  removing features from the root entry.
- Next steps not taken here: moving \`configJsonSchema\` to \`idswitch/config\` (measured:
  −21 KB minified, −6.7 KB gzip; a change of the public API); marking every top-level schema
  call \`/* @__PURE__ */\` (or building the schemas lazily) so that an app importing only
  \`IdSwitchError\` drops zod — esbuild does not honour zod's own \`@__NO_SIDE_EFFECTS__\` across
  modules, so that bundle still carries zod/mini's engine today.
`;

/** bench/BUNDLE.md: the figures before the move to zod/mini (BEFORE) and now. */
function writeBench([whole, only]) {
  const row = (name, before, after) =>
    `| ${name} | ${before.minified} | ${after.minified} | ${before.gzip} | ${after.gzip} |`;
  const after = new Map(whole.byPackage);
  const names = [...new Set([...BEFORE.byPackage.map(([n]) => n), ...after.keys()])];
  const before = new Map(BEFORE.byPackage);
  const text = [
    "# Bundle size of the root entry",
    "",
    "The BUILT root entry (`dist/index.js`) bundled the way a worker bundler does it: esbuild, ESM,",
    "minified, every dependency inlined (openid-client, jose, zod), conditions `workerd`, `worker`,",
    "`browser`; gzip level 9. Written by `node scripts/check-bundle.mjs --write` after `npm run build`;",
    "`--check` fails above the budget in that script.",
    "",
    "| bundle | minified before, B | minified now, B | gzip before, B | gzip now, B |",
    "|---|---:|---:|---:|---:|",
    row('root entry (`export * from "idswitch"`)', BEFORE.root, whole),
    row("`IdSwitchError` only", BEFORE.only, only),
    "",
    "Root entry, minified bytes per package:",
    "",
    "| package | before, B | now, B |",
    "|---|---:|---:|",
    ...names.map((n) => `| ${n} | ${before.get(n) ?? 0} | ${after.get(n) ?? 0} |`),
    "",
    `Budget (\`--check\`): root entry ≤ ${BUDGET_GZIP_BYTES} B gzip.`,
    "",
  ].join("\n");
  writeFileSync(resolve(root, "bench/BUNDLE.md"), `${text}\n${NOTES}`);
}

if (!existsSync(entry)) {
  console.error("dist/index.js is missing: run `npm run build` first");
  process.exit(1);
}
const results = [];
for (const bundle of BUNDLES) results.push(await measure(bundle));
report(results);
if (process.argv.includes("--write")) writeBench(results);
if (process.argv.includes("--check")) {
  const gzip = results[0].gzip;
  if (gzip > BUDGET_GZIP_BYTES) {
    console.error(
      `root entry: ${gzip} B gzip, over the budget of ${BUDGET_GZIP_BYTES} B (scripts/check-bundle.mjs)`,
    );
    process.exit(1);
  }
  console.log(`root entry within budget: ${gzip} B gzip ≤ ${BUDGET_GZIP_BYTES} B`);
}
