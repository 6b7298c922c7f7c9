// TypeDoc plugin: every function, class, interface and type alias that an entry
// point exports must carry an `@example` (issue 7: "every export documented with
// an example"). TypeDoc's own `notDocumented` validation only asks for *a*
// comment and has no option for required tags; the third-party
// typedoc-plugin-custom-validation would add a dependency for ten lines of code.
//
// Runs as part of TypeDoc's validation step, so `npm run docs:check` reports a
// missing example like any other validation warning (file:line, the declaration
// line), and `treatWarningsAsErrors` makes it fail.
//
// Deliberately not required: members (properties, methods, accessors) and
// constants (variables that are not functions), whose owner's example shows
// them in use; enums and enum-like constant objects; re-exports, which are
// checked where they are declared.

import { readFileSync } from "node:fs";
import { Application, ReflectionKind } from "typedoc";
import ts from "typescript";

const REQUIRED =
  ReflectionKind.Function | ReflectionKind.Class | ReflectionKind.Interface | ReflectionKind.TypeAlias;

/** Every comment TypeDoc may have moved the doc comment of `reflection` to. */
function* commentsOf(reflection) {
  yield reflection.comment;
  // A function's comment lives on its signatures (one per overload).
  for (const signature of reflection.signatures ?? []) yield signature.comment;
  // `type Handler = (req) => ...`: on the type literal's call signature.
  const literal = reflection.type?.type === "reflection" ? reflection.type.declaration : undefined;
  if (literal) {
    yield literal.comment;
    for (const signature of literal.signatures ?? []) yield signature.comment;
  }
}

function hasExample(reflection) {
  for (const comment of commentsOf(reflection)) {
    const example = comment?.blockTags.find((tag) => tag.tag === "@example");
    if (example?.content.some((part) => part.text.trim() !== "")) return true;
  }
  return false;
}

/** In file order, so the list reads like a to-do list. */
function byLocation(a, b) {
  return (a.id?.fileName ?? "").localeCompare(b.id?.fileName ?? "") || (a.id?.pos ?? 0) - (b.id?.pos ?? 0);
}

/** @param {import("typedoc").Application} app */
export function load(app) {
  const sources = new Map();
  const sourceOf = (fileName) => {
    if (!sources.has(fileName)) {
      sources.set(
        fileName,
        ts.createSourceFile(fileName, readFileSync(fileName, "utf8"), ts.ScriptTarget.Latest),
      );
    }
    return sources.get(fileName);
  };

  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    const missing = project
      .getReflectionsByKind(REQUIRED)
      .filter((reflection) => !hasExample(reflection))
      .map((reflection) => ({ reflection, id: project.getSymbolIdFromReflection(reflection) }))
      .sort(byLocation);
    for (const { reflection, id } of missing) {
      const message = `${ReflectionKind.singularString(reflection.kind)} ${reflection.getFriendlyFullName()} has no @example`;
      if (id?.fileName && Number.isFinite(id.pos)) {
        app.logger.validationWarning(message, id.pos, sourceOf(id.fileName));
      } else {
        app.logger.validationWarning(message);
      }
    }
    if (missing.length > 0) app.logger.info(`${missing.length} exports without an @example`);
  });
}
