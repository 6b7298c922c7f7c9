// Mirror a directory from the Entra emulator into a Keycloak, then print the exit-readiness report.
//
//   npm run build && KEYCLOAK_URL=http://localhost:18180 node examples/mirror/mirror.mjs
//
// The emulator stands in for Microsoft Graph; with a real tenant, pass entraDirectory your tenant id and the
// mirror app's credentials (User.Read.All, GroupMember.Read.All, Application.Read.All) and drop the emulator.

import { MemoryStateStore } from "idswitch";
import { entraDirectory, formatReadiness, keycloakDirectory, mirror, readiness } from "idswitch/directory";
import { createEntraEmulator } from "idswitch/testing";
import { createRealm, deleteRealm } from "./keycloak-realm.mjs";

const base = (process.env.KEYCLOAK_URL ?? "http://localhost:8080").replace(/\/+$/, "");
const realm = `mirror-example-${Date.now()}`;

// A small directory: 25 people in 3 teams, one of them disabled.
const entra = await createEntraEmulator();
const tenant = entra.addTenant({ domain: "contoso.example" });
const app = entra.addApp({ tenantId: tenant.id, displayName: "mirror", secret: "mirror-secret" });
entra.grantGraphPermissions(app.clientId, ["User.Read.All", "GroupMember.Read.All", "Application.Read.All"]);
const teams = ["Engineering", "Legal", "Finance"].map((displayName) =>
  entra.addGroup({ tenantId: tenant.id, displayName }),
);
for (let i = 0; i < 25; i++) {
  const upn = `person${i}@contoso.example`;
  const user = entra.addUser({
    tenantId: tenant.id,
    userPrincipalName: upn,
    password: "unused",
    givenName: `Person`,
    surname: `${i}`,
    mail: upn,
  });
  const team = teams[i % 3];
  if (team) entra.addMember(team.id, user.oid);
  if (i === 7) entra.setUserState(user.oid, "disabled");
}

await createRealm(base, realm);
try {
  const source = entraDirectory({
    tenantId: tenant.id,
    clientId: app.clientId,
    clientSecret: "mirror-secret",
    authority: entra.url,
    graphUrl: entra.graphUrl,
  });
  const target = keycloakDirectory({
    url: base,
    realm,
    clientId: "mirror",
    clientSecret: "mirror-secret",
    clients: ["app"],
  });
  const run = mirror({
    source,
    target,
    state: new MemoryStateStore(), // use a durable StateStore in production: it holds the delta checkpoint
    policy: "propagate",
    onProgress: (p) => p.writes % 25 === 0 && process.stdout.write(`  ${p.phase}: ${p.writes} writes\n`),
  });
  const plan = await run.plan();
  console.log(
    `plan: ${plan.actions.length} writes (${plan.counts["create-user"]} users, ${plan.counts["create-group"]} groups)`,
  );
  const result = await run.apply();
  console.log(`applied: ${result.writes} writes, status ${result.status}`);
  console.log(`second run: ${(await run.apply()).writes} writes\n`);
  const report = await readiness({ source, target });
  console.log(formatReadiness(report, { maxGaps: 5 }));
} finally {
  if (!process.env.KEEP_REALM) await deleteRealm(base, realm);
  await entra.close();
}
