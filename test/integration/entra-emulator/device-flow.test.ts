// The device authorization grant (docs/reference/entra-id.md §4) with the person's side done on the emulator's device page.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { approveDeviceLogin, declineDeviceLogin } from "../../support/entra-login.js";
import { claimsOf, expectEntraError, postForm, startWorld, tokenUrl, type World } from "./world.js";

let world: World;
let clock = Date.now();

beforeAll(async () => {
  world = await startWorld({ now: () => clock });
});
afterAll(() => world.entra.close());
beforeEach(() => {
  clock = Date.now();
});

const credentials = () => ({ username: world.user.userPrincipalName, password: world.password });

async function start(
  clientId = world.cli.clientId,
  scope = "openid profile offline_access",
  tenant = world.tenant.id,
) {
  return postForm(`${world.entra.authority(tenant)}/oauth2/v2.0/devicecode`, { client_id: clientId, scope });
}

function poll(deviceCode: string, extra: Record<string, string> = {}) {
  return postForm(tokenUrl(world), {
    grant_type: "urn:ietf:params:oauth:grant-type:device_code",
    client_id: world.cli.clientId,
    device_code: deviceCode,
    ...extra,
  });
}

describe("device authorization response (§4.1)", () => {
  it("has exactly the v2 fields: integers, verification_uri, no verification_uri_complete", async () => {
    const result = await start();
    expect(result.status).toBe(200);
    const body = result.json;
    expect(Object.keys(body)).toEqual([
      "user_code",
      "device_code",
      "verification_uri",
      "expires_in",
      "interval",
      "message",
    ]);
    expect(body.user_code).toMatch(/^[A-Z0-9]{9}$/);
    expect(body).toMatchObject({
      verification_uri: `${world.entra.url}/devicelogin`,
      expires_in: 900,
      interval: 5,
    });
    expect(body.message).toBe(
      `To sign in, use a web browser to open the page ${world.entra.url}/devicelogin and enter the code ${body.user_code} to authenticate.`,
    );
    expect(result.headers.get("cache-control")).toBe("no-store, no-cache");
  });

  it("refuses an unknown client (700016) and a missing scope (900144) as JSON", async () => {
    expectEntraError(expect, await start(crypto.randomUUID()), 400, "unauthorized_client", 700016);
    expectEntraError(expect, await start(world.cli.clientId, ""), 400, "invalid_request", 900144);
  });
});

describe("polling (§4.2)", () => {
  it("is authorization_pending 70016 until approved; correlation_id stays, trace_id changes", async () => {
    const { device_code } = (await start()).json;
    const first = expectEntraError(expect, await poll(device_code), 400, "authorization_pending", 70016);
    const second = expectEntraError(expect, await poll(device_code), 400, "authorization_pending", 70016);
    expect(first.error_description).toMatch(
      /^AADSTS70016: OAuth 2.0 device flow error\. Authorization is pending\. Continue polling\. Trace ID: /,
    );
    expect(second.correlation_id).toBe(first.correlation_id);
    expect(second.trace_id).not.toBe(first.trace_id);
  });

  it("echoes the client's client-request-id as correlation_id when sent", async () => {
    const { device_code } = (await start()).json;
    const id = crypto.randomUUID();
    const result = await postForm(
      tokenUrl(world),
      {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        client_id: world.cli.clientId,
        device_code,
      },
      { "client-request-id": id },
    );
    expect(result.json.correlation_id).toBe(id);
    expect(result.headers.get("client-request-id")).toBe(id);
  });

  it("returns tokens once the person signs in on the device page, then the code is spent", async () => {
    const { device_code, user_code } = (await start()).json;
    await approveDeviceLogin(world.entra.url, user_code, credentials());
    const result = await poll(device_code);
    expect(result.status).toBe(200);
    expect(result.json).toHaveProperty("refresh_token");
    expect(claimsOf(result.json.id_token).claims).toMatchObject({
      oid: world.user.oid,
      aud: world.cli.clientId,
    });
    expect(claimsOf(result.json.access_token).claims.aud).toBe("00000003-0000-0000-c000-000000000000");
    expectEntraError(expect, await poll(device_code), 400, "bad_verification_code", 70018);
  });

  it("a declined login polls authorization_declined", async () => {
    const { device_code, user_code } = (await start()).json;
    await declineDeviceLogin(world.entra.url, user_code);
    expect((await poll(device_code)).json.error).toBe("authorization_declined");
  });

  it("after 900 s it is expired_token 70020, and the page refuses the code", async () => {
    const { device_code, user_code } = (await start()).json;
    clock += 901_000;
    const body = expectEntraError(expect, await poll(device_code), 400, "expired_token", 70020);
    expect(body.error_description).toMatch(
      /^AADSTS70020: The provided value for the input parameter 'device_code' is not valid\. This device code has expired\./,
    );
    await expect(approveDeviceLogin(world.entra.url, user_code, credentials())).rejects.toThrow(
      /AADSTS70019/,
    );
  });

  it("an unknown device_code is bad_verification_code; an unknown user code is refused on the page", async () => {
    expectEntraError(expect, await poll("DAQABIQEAAABnope"), 400, "bad_verification_code", 70018);
    await expect(approveDeviceLogin(world.entra.url, "ZZZZZZZZZ", credentials())).rejects.toThrow(
      /AADSTS70018/,
    );
  });

  it("a wrong password is shown on the device page and the flow stays pending", async () => {
    const { device_code, user_code } = (await start()).json;
    await expect(
      approveDeviceLogin(world.entra.url, user_code, {
        username: world.user.userPrincipalName,
        password: "wrong",
      }),
    ).rejects.toThrow(/AADSTS50126/);
    expect((await poll(device_code)).json.error).toBe("authorization_pending");
    await approveDeviceLogin(world.entra.url, user_code, credentials());
    expect((await poll(device_code)).status).toBe(200);
  });

  it("a Conditional Access block ends the flow: the device polls 53003", async () => {
    const blocked = world.entra.addUser({
      tenantId: world.tenant.id,
      userPrincipalName: "blocked@contoso.example",
      password: "pw",
    });
    world.entra.setUserState(blocked.oid, "blocked_by_conditional_access");
    const { device_code, user_code } = (await start()).json;
    await expect(
      approveDeviceLogin(world.entra.url, user_code, { username: "blocked@contoso.example", password: "pw" }),
    ).rejects.toThrow(/refused/);
    expectEntraError(expect, await poll(device_code), 400, "invalid_grant", 53003);
  });

  it("a confidential app (no public client flows) must authenticate when polling: 7000218", async () => {
    const { device_code, user_code } = (await start(world.web.clientId, "openid")).json;
    await approveDeviceLogin(world.entra.url, user_code, credentials());
    const result = await poll(device_code, { client_id: world.web.clientId });
    expectEntraError(expect, result, 401, "invalid_client", 7000218);
  });
});
