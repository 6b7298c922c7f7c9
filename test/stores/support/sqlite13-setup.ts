// The stores-sqlite13 project's guard: "better-sqlite3" must be better-sqlite3 13 here (the
// alias to the `better-sqlite3-13` devDependency), else the project would quietly run the
// suite on 12 again.
import Database from "better-sqlite3";
import Database13 from "better-sqlite3-13";

if (Database !== Database13) {
  throw new Error('"better-sqlite3" is not better-sqlite3 13 in the stores-sqlite13 project');
}
