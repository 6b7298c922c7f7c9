// Fault injection: every mode, per endpoint, counted, cleared — and what the client actually sees.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { answer, expectEntraError, get, postForm, startWorld, tokenUrl, type World } from "./world.js";

let world: World;
let discovery: string;

beforeAll(async () => {
  world = await startWorld();
  discovery = `${world.entra.url}/${world.tenant.id}/v2.0/.well-known/openid-configuration`;
});
afterAll(() => world.entra.close());
beforeEach(() => world.entra.clearFaults());

const appToken = () =>
  postForm(tokenUrl(world), {
    grant_type: "client_credentials",
    client_id: world.daemon.clientId,
    client_secret: "daemon-secret",
    scope: `${world.apiV2.identifierUri}/.default`,
  });

describe("transport faults", () => {
  it("refused: the connection is reset without an answer; other endpoints still work", async () => {
    world.entra.fault({ endpoint: "discovery", mode: "refused" });
    const error = await fetch(discovery).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as { cause?: { code?: string } }).cause?.code)).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
    expect((await appToken()).status).toBe(200);
    expect(world.entra.requests.at(-2)).toEqual({
      method: "GET",
      path: `/${world.tenant.id}/v2.0/.well-known/openid-configuration`,
      fault: "refused",
    });
  });

  it("hang: no answer ever (the client must time out), and close() still returns at once", async () => {
    const w = await startWorld();
    w.entra.fault({ endpoint: "jwks", mode: "hang" });
    const keys = `${w.entra.url}/common/discovery/v2.0/keys`;
    await expect(fetch(keys, { signal: AbortSignal.timeout(300) })).rejects.toThrow(/aborted|timeout/i);
    const pending = fetch(keys).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await w.entra.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(TypeError); // the hung request ends with the server
  });

  it("slow: answers correctly after delayMs", async () => {
    world.entra.fault({ endpoint: "token", mode: "slow", delayMs: 300 });
    const started = Date.now();
    const result = await appToken();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(result.status).toBe(200);
  });

  it("truncated: the announced body never arrives", async () => {
    world.entra.fault({ endpoint: "discovery", mode: "truncated" });
    const response = await fetch(discovery);
    expect(response.status).toBe(200);
    expect(Number(response.headers.get("content-length"))).toBeGreaterThan(100);
    await expect(response.text()).rejects.toThrow();
  });

  it("malformed_json: a 200 that claims JSON and does not parse", async () => {
    world.entra.fault({ endpoint: "token", mode: "malformed_json" });
    const result = await answer(
      await fetch(tokenUrl(world), { method: "POST", body: new URLSearchParams({}) }),
    );
    expect(result.status).toBe(200);
    expect(result.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(result.text.startsWith("{")).toBe(true);
    expect(result.json).toBeUndefined();
  });
});

describe("status faults (§6.1)", () => {
  it("http500: server_error in the §6.1 shape", async () => {
    world.entra.fault({ endpoint: "token", mode: "http500" });
    expectEntraError(expect, await appToken(), 500, "server_error", 50000);
  });

  it("http503: temporarily_unavailable, with Retry-After when asked", async () => {
    world.entra.fault({ endpoint: "token", mode: "http503", times: 1 });
    const plain = await appToken();
    expectEntraError(expect, plain, 503, "temporarily_unavailable", 90006);
    expect(plain.headers.get("retry-after")).toBeNull();
    world.entra.fault({ endpoint: "token", mode: "http503", retryAfterSeconds: 7, times: 1 });
    expect((await appToken()).headers.get("retry-after")).toBe("7");
  });

  it("http429: Retry-After (5 s unless told), code 50196 (throttled)", async () => {
    world.entra.fault({ endpoint: "discovery", mode: "http429", times: 1 });
    const throttled = await get(discovery);
    expectEntraError(expect, throttled, 429, "temporarily_unavailable", 50196);
    expect(throttled.headers.get("retry-after")).toBe("5");
    world.entra.fault({ endpoint: "discovery", mode: "http429", retryAfterSeconds: 30, times: 1 });
    expect((await get(discovery)).headers.get("retry-after")).toBe("30");
  });

  it("authorize faults are HTML pages with the fault's status", async () => {
    world.entra.fault({ endpoint: "authorize", mode: "http503" });
    const result = await get(`${world.entra.authority(world.tenant.id)}/oauth2/v2.0/authorize?client_id=x`);
    expect(result.status).toBe(503);
    expect(result.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(result.text).toContain("AADSTS90006");
  });

  it("devicecode faults apply to the device authorization endpoint only", async () => {
    world.entra.fault({ endpoint: "devicecode", mode: "http500" });
    const device = await postForm(`${world.entra.authority(world.tenant.id)}/oauth2/v2.0/devicecode`, {
      client_id: world.cli.clientId,
      scope: "openid",
    });
    expect(device.status).toBe(500);
    expect((await appToken()).status).toBe(200);
  });
});

describe("scoping", () => {
  it("times: the fault affects that many requests, then the endpoint recovers", async () => {
    world.entra.fault({ endpoint: "token", mode: "http500", times: 2 });
    expect((await appToken()).status).toBe(500);
    expect((await appToken()).status).toBe(500);
    expect((await appToken()).status).toBe(200);
  });

  it("all: every endpoint, including the pages; clearFaults ends it", async () => {
    world.entra.fault({ endpoint: "all", mode: "http503" });
    expect((await get(discovery)).status).toBe(503);
    expect((await get(`${world.entra.url}/devicelogin`)).status).toBe(503);
    expect((await appToken()).status).toBe(503);
    world.entra.clearFaults();
    expect((await get(discovery)).status).toBe(200);
  });

  it("the newest fault wins", async () => {
    world.entra.fault({ endpoint: "all", mode: "http500" });
    world.entra.fault({ endpoint: "token", mode: "http429" });
    expect((await appToken()).status).toBe(429);
    expect((await get(discovery)).status).toBe(500);
  });

  it("rejects unknown modes and endpoints at once", () => {
    // @ts-expect-error an unknown mode
    expect(() => world.entra.fault({ endpoint: "token", mode: "explode" })).toThrow(TypeError);
    // @ts-expect-error an unknown endpoint
    expect(() => world.entra.fault({ endpoint: "userinfo", mode: "hang" })).toThrow(TypeError);
  });
});
