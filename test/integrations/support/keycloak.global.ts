// Vitest globalSetup for the integrations and e2e projects: the shared one. It starts one
// Keycloak for the whole run whichever project asks first (or reuses KEYCLOAK_URL), and the
// last project to finish stops it — so a plain `npm test` (CI) never starts a second server.
export { default } from "../../setup/keycloak.global.js";
