// The types of examples/express-web/pages.mjs (plain JavaScript, checked by
// tsconfig.examples.json), for the browser tests' twin of the example app,
// which serves those very pages. Kept to the signatures in its JSDoc.
declare module "*/express-web/pages.mjs" {
  export function esc(value: unknown): string;
  export function page(title: string, body: string): string;
  export function home(accounts: string[] | undefined): string;
  export function me(session: import("idswitch").IdentitySession): string;
  export function chooser(query: URLSearchParams): string;
}
