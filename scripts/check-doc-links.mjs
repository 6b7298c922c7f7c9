// Every relative link in the repository's Markdown must resolve: the file or
// folder exists, and a `#fragment` names a heading (or an HTML id) of the
// Markdown file it points into. Issue 12: docs pointed at files that were
// not in the repository; a reader cannot follow a reference that is not there.
//
// External links (https:, mailto:, …) are not fetched: CI must not fail
// because someone else's site is down. Run by `npm run docs:check`.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// The Markdown git would commit (tracked or new, not ignored): so no
// node_modules, no generated docs/api, and a new page is checked before it is
// committed.
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.md"], {
  cwd: root,
  encoding: "utf8",
})
  .split("\n")
  .filter((file) => file && existsSync(join(root, file)));

/** The Markdown's lines, those inside code fences blanked: code is neither a link nor a heading. */
function outsideFences(text) {
  let fence;
  return text.split("\n").map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (!fence || marker.startsWith(fence))) {
      fence = fence ? undefined : marker;
      return "";
    }
    return fence ? "" : line;
  });
}

/** GitHub's heading ids (github-slugger): lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(file) {
  const text = readFileSync(file, "utf8");
  const anchors = new Set(Array.from(text.matchAll(/<[a-z]+\s[^>]*\b(?:id|name)="([^"]+)"/gi), (m) => m[1]));
  const counts = new Map();
  for (const line of outsideFences(text)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link reads as its text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
      .replaceAll(" ", "-");
    const seen = counts.get(slug) ?? 0;
    counts.set(slug, seen + 1);
    anchors.add(seen === 0 ? slug : `${slug}-${seen}`);
  }
  return anchors;
}

/** `[text](target)`, `![alt](target)` and `[label]: target`, with their 1-based lines. */
function linksOf(file) {
  const links = [];
  outsideFences(readFileSync(file, "utf8")).forEach((raw, i) => {
    const line = raw.replace(/(`+)[^`]*?\1/g, ""); // inline code is not a link either
    for (const [, target] of line.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+["'(][^)]*)?\)/g)) {
      links.push({ target, line: i + 1 });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(line);
    if (definition) links.push({ target: definition[1], line: i + 1 });
  });
  return links;
}

const anchorCache = new Map();
const problems = [];
let checked = 0;
for (const file of files) {
  for (const { target, line } of linksOf(join(root, file))) {
    if (target === "" || /^[a-z][a-z0-9+.-]*:|^\/\//i.test(target)) continue; // external, or empty
    checked += 1;
    const [pathPart, fragment] = target.split("#", 2);
    const path = decodeURIComponent(pathPart.split("?")[0]);
    const resolved = path === "" ? join(root, file) : join(root, dirname(file), path);
    const where = `${file}:${line}: ${target}`;
    if (path.startsWith("/")) {
      problems.push(`${where}: an absolute path; write it relative to ${file}`);
    } else if (!existsSync(resolved)) {
      problems.push(`${where}: ${relative(root, resolved)} does not exist`);
    } else if (fragment && resolved.endsWith(".md") && statSync(resolved).isFile()) {
      if (!anchorCache.has(resolved)) anchorCache.set(resolved, anchorsOf(resolved));
      if (!anchorCache.get(resolved).has(decodeURIComponent(fragment))) {
        problems.push(`${where}: no heading #${fragment} in ${relative(root, resolved)}`);
      }
    }
  }
}

for (const problem of problems) console.error(problem);
console.log(`${checked} relative links in ${files.length} Markdown files: ${problems.length} broken`);
process.exitCode = problems.length > 0 ? 1 : 0;
