// The devDependency alias `better-sqlite3-13` (npm:better-sqlite3@^13): better-sqlite3 ships no
// typings, and @types/better-sqlite3 is declared for the real name only.
declare module "better-sqlite3-13" {
  import Database from "better-sqlite3";
  export default Database;
}
