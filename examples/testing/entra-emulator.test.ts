import { entraId } from "idswitch";
import { createEntraEmulator, type EntraEmulator } from "idswitch/testing";
import { afterAll, beforeAll, expect, it } from "vitest";

let emu: EntraEmulator;
beforeAll(async () => {
  emu = await createEntraEmulator(); // a real HTTP server on 127.0.0.1, ready in milliseconds
});
afterAll(() => emu.close());

it("verifies a token the emulated Entra ID issued", async () => {
  const tenant = emu.addTenant({ domain: "contoso.example" });
  const api = emu.addApp({ tenantId: tenant.id, accessTokenVersion: 2 });
  const daemon = emu.addApp({ tenantId: tenant.id, secret: "s3cret" });
  emu.grantAppRoles(daemon.clientId, api.clientId, []);
  const entra = entraId({
    id: "entra",
    tenantId: tenant.id,
    clientId: daemon.clientId,
    clientSecret: "s3cret",
    authority: emu.url,
    v1IssuerBase: emu.v1IssuerBase,
  });
  const { accessToken } = await entra.clientCredentials({ scope: `${api.identifierUri}/.default` });
  const principal = await entra.verifyAccessToken(accessToken, { audience: api.clientId });
  expect(principal).toMatchObject({ provider: "entra", tenant: tenant.id });
});
