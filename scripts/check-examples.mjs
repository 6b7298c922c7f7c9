// Type-checks every `@example` block in src/ against the sources, as a
// consumer would compile it, so a signature change breaks the build rather
// than the reader (issue 12; openid-client compiles its docs' code the same way).
//
// Each example becomes one module in node_modules/.cache/idswitch-examples-*/
// (ignored by git and biome): its own `import` lines stay imports, the rest
// becomes the body of an async function, so `await` and an early `return`
// read as they would in an app. The API names it uses unimported come from
// the entry point its file ships in (or the root); that is how TypeDoc shows
// them, next to that entry point's exports. The free variables examples lean
// on (`identity`, `bearer`, `session`, `req`, …) are declared once, with the
// package's real types, in scripts/examples-prelude/ (one file per entry
// point, falling back to idswitch.ts), so an example stays short and still
// cannot call what does not exist.
//
// Errors point at the example's own line in src/. Run by `npm run docs:check`;
// `--keep` leaves the generated files and a tsconfig.json for `tsc -p`.

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// A folder per run: two checks at once (an editor's, CI's) must not delete each other's files.
mkdirSync(join(root, "node_modules/.cache"), { recursive: true });
const out = mkdtempSync(join(root, "node_modules/.cache/idswitch-examples-"));
const preludes = join(root, "scripts/examples-prelude");

// The options of the docs' own type-check: its `paths` map "idswitch",
// "idswitch/express", … to src/, as a consumer's imports would resolve.
const docsConfig = join(root, "tsconfig.docs.json");
const { options } = ts.getParsedCommandLineOfConfigFile(
  docsConfig,
  { noEmit: true },
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  },
);
const entries = Object.fromEntries(
  Object.entries(options.paths ?? {}).map(([specifier, [path]]) => [specifier, join(root, path)]),
);

// The shared integration code ships in each framework's entry point; its
// examples are read as Express ones.
const HOMES = { "src/integrations/core/": "idswitch/express" };

// ── Extract ──────────────────────────────────────────────────────────────

/** Every `@example` of a file: `line` is its tag's line (1-based), `code` the lines after it. */
function examplesIn(file) {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const seen = new Set();
  const examples = [];
  const visit = (node) => {
    // Doc comments are leading trivia of the node they document; parsing
    // (rather than a regex over the text) skips "/**" inside strings.
    for (const range of ts.getLeadingCommentRanges(text, node.pos) ?? []) {
      if (seen.has(range.pos) || !text.startsWith("/**", range.pos)) continue;
      seen.add(range.pos);
      const firstLine = source.getLineAndCharacterOfPosition(range.pos).line + 1;
      examples.push(...examplesInComment(text.slice(range.pos + 3, range.end - 2), firstLine));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return examples;
}

function examplesInComment(comment, firstLine) {
  const examples = [];
  let current;
  comment.split("\n").forEach((raw, i) => {
    const line = raw.replace(/^\s*\* ?/, "");
    const tag = /^\s*@(\w+)/.exec(line)?.[1];
    if (tag === "example") {
      current = { line: firstLine + i, code: [] };
      examples.push(current);
    } else if (tag) {
      current = undefined; // the next block tag ends the example
    } else {
      current?.code.push(line);
    }
  });
  return examples.map(fencedCode).filter((example) => example.code.some((line) => line.trim() !== ""));
}

/**
 * TypeDoc shows an example without a fence as TypeScript. With fences only
 * the fenced code is code, and only ts/js fences are checked (```json or
 * ```sh is not TypeScript). Other lines are blanked, to keep line numbers.
 */
function fencedCode(example) {
  if (!example.code.some((line) => line.startsWith("```"))) return example;
  let inCode = false;
  const code = example.code.map((line) => {
    if (!line.startsWith("```")) return inCode ? line : "";
    inCode = !inCode && /^```(ts|typescript|js|javascript)?\s*$/.test(line);
    return "";
  });
  return { ...example, code };
}

/** The example's own import statements (kept at module level) and the names they bind. */
function ownImports(example) {
  const parsed = ts.createSourceFile("example.ts", example.code.join("\n"), ts.ScriptTarget.Latest, true);
  const body = [...example.code];
  const imports = [];
  const names = new Set();
  for (const statement of parsed.statements.filter(ts.isImportDeclaration)) {
    const from = parsed.getLineAndCharacterOfPosition(statement.getStart(parsed)).line;
    const to = parsed.getLineAndCharacterOfPosition(statement.end).line;
    imports.push(...body.slice(from, to + 1));
    body.fill("", from, to + 1);
    const clause = statement.importClause;
    if (clause?.name) names.add(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
    for (const element of bindings?.elements ?? []) names.add(element.name.text);
  }
  return { imports, body, names };
}

// ── Generate ─────────────────────────────────────────────────────────────

/** The entry point a source file ships in. */
function homeOf(file) {
  const path = relative(root, file);
  const override = Object.entries(HOMES).find(([folder]) => path.startsWith(folder));
  if (override) return override[1];
  const home = Object.entries(entries).find(
    ([specifier, entry]) => specifier !== "idswitch" && path.startsWith(`${relative(root, dirname(entry))}/`),
  );
  return home?.[0] ?? "idswitch";
}

function preludeOf(home) {
  const file = join(preludes, `${home.split("/").at(-1)}.ts`);
  return existsSync(file) ? file : join(preludes, "idswitch.ts");
}

/** Module file → (exported name → whether it is a value, not only a type). */
function exportsOf(program, files) {
  const checker = program.getTypeChecker();
  const result = new Map();
  for (const file of files) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file));
    const names = new Map();
    for (const symbol of module ? checker.getExportsOfModule(module) : []) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      names.set(symbol.name, (target.flags & ts.SymbolFlags.Value) !== 0);
    }
    result.set(file, names);
  }
  return result;
}

/**
 * Imports for the names an example uses without importing them, each from
 * the first that exports it: the home entry point, the root entry, the
 * example's own source file (an internal API), the prelude. A name of another
 * entry point is the example's to import, so the reader sees where it is from.
 */
function importsFor(file, body, ownNames, exported) {
  const home = homeOf(file);
  const sources = [
    [entries[home], home],
    [entries.idswitch, "idswitch"],
    [file, specifierOf(file)],
    [preludeOf(home), specifierOf(preludeOf(home))],
  ];
  const wanted = new Map();
  for (const name of new Set(body.join("\n").match(/[A-Za-z_$][\w$]*/g))) {
    const [module, specifier] = sources.find(([m]) => exported.get(m)?.has(name)) ?? [];
    if (!module || ownNames.has(name)) continue;
    const isValue = exported.get(module).get(name);
    wanted.set(specifier, [...(wanted.get(specifier) ?? []), isValue ? name : `type ${name}`]);
  }
  return [...wanted].map(([specifier, names]) => `import { ${names.join(", ")} } from "${specifier}";`);
}

function specifierOf(file) {
  return relative(out, file).replace(/\.ts$/, ".js");
}

// ── Check ────────────────────────────────────────────────────────────────

const files = readdirSync(join(root, "src"), { recursive: true })
  .filter((path) => path.endsWith(".ts") && !path.endsWith(".d.ts"))
  .map((path) => join(root, "src", path))
  .sort();
const modules = [
  ...new Set([...Object.values(entries), ...files, ...readdirSync(preludes).map((f) => join(preludes, f))]),
];
const sourcesProgram = ts.createProgram(modules, options);
const exported = exportsOf(sourcesProgram, modules);

/** Generated file → its source file, and the source line of each of its lines. */
const origins = new Map();
for (const file of files) {
  for (const example of examplesIn(file)) {
    const { imports, body, names } = ownImports(example);
    const head = [
      `// ${relative(root, file)}:${example.line}, generated by scripts/check-examples.mjs`,
      ...importsFor(file, body, names, exported),
      ...imports,
      "export {};",
      "async function example() {",
    ];
    const generated = join(out, `${relative(root, file).replaceAll("/", "__")}__${example.line}.ts`);
    writeFileSync(generated, [...head, ...body, "}", ""].join("\n"));
    const lines = [
      ...head.map(() => example.line),
      ...body.map((_, i) => example.line + 1 + i),
      example.line,
    ];
    origins.set(generated, { source: relative(root, file), lines });
  }
}

// Only the examples and the preludes are checked here (`npm run typecheck`
// checks src/); reusing the first program spares parsing src/ twice.
const program = ts.createProgram([...origins.keys()], options, undefined, sourcesProgram);
const checked = program
  .getSourceFiles()
  .filter((f) => origins.has(f.fileName) || f.fileName.startsWith(preludes));
const diagnostics = [
  ...program.getOptionsDiagnostics(),
  ...program.getGlobalDiagnostics(),
  ...checked.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
];
for (const d of diagnostics) {
  const message = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n  ")}`;
  const line = d.file?.getLineAndCharacterOfPosition(d.start ?? 0).line;
  const origin = d.file && origins.get(d.file.fileName);
  if (origin) console.error(`${origin.source}:${origin.lines[line]} @example: ${message}`);
  else console.error(d.file ? `${relative(root, d.file.fileName)}:${line + 1}: ${message}` : message);
}

if (process.argv.includes("--keep")) {
  const tsconfig = { extends: relative(out, docsConfig), include: ["*.ts"] };
  writeFileSync(join(out, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  console.log(`generated files kept in ${relative(root, out)}`);
} else {
  rmSync(out, { recursive: true, force: true });
}
console.log(`${origins.size} @example blocks type-checked: ${diagnostics.length} errors`);
process.exitCode = diagnostics.length > 0 ? 1 : 0;
