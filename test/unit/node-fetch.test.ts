// nodeFetch (idswitch/node) against real loopback servers: it must behave as fetch for what the library
// sends, keep a connect budget that a web fetch cannot, and be wired to runtime.connectTimeoutMs.
// No timed assertions: where speed is the point, the other budgets are set longer than the test's own
// timeout, so only the budget under test can end the call in time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { identityOptionsFromConfig } from "../../src/config/from-file.js";
import { loadConfig } from "../../src/config/node.js";
import { guardedFetch } from "../../src/core/http.js";
import { createRuntime, type FetchLike } from "../../src/core/runtime.js";
import { CONNECT_TIMEOUT_MS, ConnectTimeoutError, nodeFetch } from "../../src/node/index.js";
import { createTlsMaterial } from "../../src/testing/entra/tls.js";
import { type HungConnect, hungConnectPort } from "../support/hung-connect.js";
import { closedLoopbackPort } from "../support/ports.js";
import { idSwitchErrorOf } from "../support/rejection.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const seen: Seen[] = [];
const sockets = new Set<Socket>();
let connections = 0;
let handler: Handler = (_req, res) => res.end("ok");
let server: Server;
let base: string;
let hung: HungConnect;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on("connection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hung = await hungConnectPort();
});
afterEach(() => {
  seen.length = 0;
  handler = (_req, res) => res.end("ok");
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  await hung?.close();
});

describe("nodeFetch behaves as fetch", () => {
  it("GET: status, status text, every header (repeated ones too) and the body", async () => {
    handler = (_req, res) => {
      res.writeHead(203, "Partly", [
        ["content-type", "application/json"],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
      ]);
      res.end(JSON.stringify({ hello: "world" }));
    };
    const response = await nodeFetch()(`${base}/things?x=1`, { headers: { "x-trace": "t1" } });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(203);
    expect(response.statusText).toBe("Partly");
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${base}/things?x=1`);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await response.json()).toEqual({ hello: "world" });
    expect(seen[0]).toMatchObject({ method: "GET", url: "/things?x=1" });
    expect(seen[0]?.headers).toMatchObject({ "x-trace": "t1", accept: "*/*" });
  });

  it("POST bodies as openid-client and the library send them, with fetch's content types", async () => {
    const fetch = nodeFetch();
    const form = new URLSearchParams({ grant_type: "client_credentials", scope: "a b" });
    await fetch(`${base}/token`, {
      method: "POST",
      body: form,
      headers: new Headers({ authorization: "Basic x" }),
    });
    await fetch(`${base}/text`, { method: "post", body: "plain words" });
    await fetch(`${base}/bytes`, {
      method: "PUT",
      body: new TextEncoder().encode('{"a":1}'),
      headers: { "content-type": "application/json" },
    });
    await fetch(new Request(`${base}/request`, { method: "POST", body: "from a Request" }));
    expect(seen.map((s) => [s.method, s.body, s.headers["content-type"]])).toEqual([
      ["POST", "grant_type=client_credentials&scope=a+b", "application/x-www-form-urlencoded;charset=UTF-8"],
      ["POST", "plain words", "text/plain;charset=UTF-8"],
      ["PUT", '{"a":1}', "application/json"],
      ["POST", "from a Request", "text/plain;charset=UTF-8"],
    ]);
    expect(seen[0]?.headers.authorization).toBe("Basic x");
    expect(seen[0]?.headers["content-length"]).toBe(String(form.toString().length));
  });

  it('answers a 3xx itself with redirect: "manual"; follows with "follow"; rejects with "error"', async () => {
    handler = (req, res) => {
      if (req.url === "/from") res.writeHead(303, { location: "/to" }).end();
      else res.end(`${req.method} ${req.url}`);
    };
    const fetch = nodeFetch();
    const manual = await fetch(`${base}/from`, { method: "POST", body: "x", redirect: "manual" });
    expect(manual.status).toBe(303);
    expect(manual.headers.get("location")).toBe("/to");
    const followed = await fetch(`${base}/from`, { method: "POST", body: "x" });
    expect(followed.status).toBe(200);
    expect(await followed.text()).toBe("GET /to");
    expect(followed.url).toBe(`${base}/to`);
    await expect(fetch(`${base}/from`, { redirect: "error" })).rejects.toBeInstanceOf(TypeError);
  });

  it("gives a body-less answer to 204 and HEAD, and decodes a gzip body the server sent unasked", async () => {
    handler = (req, res) => {
      if (req.url === "/empty") res.writeHead(204).end();
      else res.writeHead(200, { "content-encoding": "gzip" }).end(gzipSync("unzipped"));
    };
    const fetch = nodeFetch();
    expect((await fetch(`${base}/empty`)).body).toBeNull();
    expect((await fetch(`${base}/zipped`, { method: "HEAD" })).body).toBeNull();
    expect(await (await fetch(`${base}/zipped`)).text()).toBe("unzipped");
  });

  it("keeps connections alive: sequential requests share one", async () => {
    const fetch = nodeFetch();
    const before = connections;
    for (let i = 0; i < 3; i++) await (await fetch(`${base}/again`)).text();
    expect(connections - before).toBe(1);
  });

  it("aborts with the signal's reason before the answer and while the body streams", async () => {
    handler = (req, res) => {
      if (req.url === "/partial") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("first part;");
      } // "/silent": never answers
    };
    const fetch = nodeFetch();
    const before = new AbortController();
    const silent = fetch(`${base}/silent`, { signal: before.signal });
    await expect.poll(() => seen.length).toBe(1);
    const reason = new Error("caller gave up");
    before.abort(reason);
    await expect(silent).rejects.toBe(reason);

    const during = new AbortController();
    const response = await fetch(`${base}/partial`, { signal: during.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first part;");
    const midway = new Error("stop reading");
    during.abort(midway);
    await expect(reader.read()).rejects.toBe(midway);

    const already = AbortSignal.abort(new Error("aborted before"));
    await expect(fetch(`${base}/x`, { signal: already })).rejects.toThrow("aborted before");
  });

  it("a refused connection fails at once as fetch's TypeError, never waiting for the connect budget", async () => {
    const port = await closedLoopbackPort();
    // A budget far past the test's own timeout: only the refusal itself can end this call in time.
    const err = await nodeFetch({ connectTimeoutMs: 120_000 })(`http://127.0.0.1:${port}/`).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(err).not.toBeInstanceOf(ConnectTimeoutError);
    expect((err as Error).message).toBe("fetch failed");
    expect(((err as Error).cause as { code?: string }).code).toBe("ECONNREFUSED");
  });
});

describe("the connect budget", () => {
  it("ends a connect that is never answered, naming host, port and budget", async () => {
    const err = await nodeFetch({ connectTimeoutMs: 200 })(`http://127.0.0.1:${hung.port}/`).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectTimeoutError);
    expect(err).toBeInstanceOf(TypeError);
    expect(err).toMatchObject({
      name: "ConnectTimeoutError",
      code: "IDSWITCH_CONNECT_TIMEOUT",
      host: "127.0.0.1",
      port: hung.port,
      timeoutMs: 200,
    });
    expect((err as Error).message).toContain(`127.0.0.1:${hung.port}`);
  });

  it("takes a request's own budget from init[CONNECT_TIMEOUT_MS] over the fetch's default", async () => {
    const fetch = nodeFetch({ connectTimeoutMs: 120_000 });
    const init = { [CONNECT_TIMEOUT_MS]: 150 } as RequestInit;
    await expect(fetch(`http://127.0.0.1:${hung.port}/`, init)).rejects.toMatchObject({ timeoutMs: 150 });
  });

  it("ends at the connect: a slow answer on a new or a kept-alive connection is the response budget's business", async () => {
    // The answer comes well after the connect budget: only a timer left running past `connect` would fail it.
    handler = (_req, res) => setTimeout(() => res.end("late but fine"), 600);
    const fetch = nodeFetch({ connectTimeoutMs: 250 });
    const before = connections;
    expect(await (await fetch(`${base}/slow`)).text()).toBe("late but fine");
    expect(await (await fetch(`${base}/slow`)).text()).toBe("late but fine");
    expect(connections - before).toBe(1);
  });

  it("a caller's signal ends a hung connect too, with its reason", async () => {
    const controller = new AbortController();
    const pending = nodeFetch({ connectTimeoutMs: 120_000 })(`http://127.0.0.1:${hung.port}/`, {
      signal: controller.signal,
    });
    const reason = new Error("shutting down");
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });

  it("covers the TLS handshake: a server that accepts but never completes it overruns the budget", async () => {
    // Accepts TCP, then says nothing: `connect` fires, `secureConnect` never does.
    const silent = createTcpServer();
    const held = new Set<Socket>();
    silent.on("connection", (socket: Socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      await expect(nodeFetch({ connectTimeoutMs: 200 })(`https://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(
        ConnectTimeoutError,
      );
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });
});

describe("TLS", () => {
  // Generous: making the RSA keys of the test CA is slow on a busy machine.
  it("trusts the certificate authorities passed as `ca`, and only with them a private one", {
    timeout: 30_000,
  }, async () => {
    const tls = await createTlsMaterial(Date.now());
    let handshakes = 0;
    const secure = createHttpsServer({ cert: tls.certificate, key: tls.privateKey }, (_req, res) => {
      setTimeout(() => res.end("over tls"), 600);
    });
    secure.on("secureConnection", () => handshakes++);
    await new Promise<void>((resolve) => secure.listen(0, "127.0.0.1", resolve));
    try {
      const url = `https://localhost:${(secure.address() as AddressInfo).port}/`;
      // Twice, on one kept-alive connection, each answer later than the connect budget: the budget ends at
      // `secureConnect` (the handshake done), not at the answer.
      const trusting = nodeFetch({ ca: tls.caCertificate, connectTimeoutMs: 250 });
      expect(await (await trusting(url)).text()).toBe("over tls");
      expect(await (await trusting(url)).text()).toBe("over tls");
      expect(handshakes).toBe(1);
      const untrusted = await nodeFetch()(url).catch((e: unknown) => e);
      expect(untrusted).toBeInstanceOf(TypeError);
      expect(((untrusted as Error).cause as { code?: string }).code).toMatch(
        /CERT|SELF_SIGNED|ISSUER|VERIFY/,
      );
    } finally {
      secure.closeAllConnections();
      secure.close();
    }
  });
});

describe("runtime.connectTimeoutMs", () => {
  it("is a TypeError with a fetch that cannot honour it, naming the fix", () => {
    expect(() => createRuntime({ connectTimeoutMs: 500 })).toThrow(TypeError);
    expect(() => createRuntime({ connectTimeoutMs: 500 })).toThrow(/nodeFetch\(\).*idswitch\/node/);
    const webFetch: FetchLike = (input, init) => globalThis.fetch(input, init);
    expect(() => createRuntime({ fetch: webFetch, connectTimeoutMs: 500 })).toThrow(/idswitch\/node/);
    expect(() => createRuntime({ fetch: nodeFetch(), connectTimeoutMs: 0 })).toThrow(TypeError);
    expect(createRuntime({ fetch: nodeFetch(), connectTimeoutMs: 500 }).connectTimeoutMs).toBe(500);
  });

  it("reaches every request of the runtime, a request's own budget first", async () => {
    const budgets: unknown[] = [];
    const recording = Object.assign(
      async (_input: string | URL | Request, init?: RequestInit) => {
        budgets.push((init as Record<symbol, unknown> | undefined)?.[CONNECT_TIMEOUT_MS]);
        return new Response("ok");
      },
      { [CONNECT_TIMEOUT_MS]: true },
    );
    const runtime = createRuntime({ fetch: recording, connectTimeoutMs: 300 });
    await runtime.fetch("https://idp.example/a");
    await runtime.fetch("https://idp.example/b", { [CONNECT_TIMEOUT_MS]: 50 } as RequestInit);
    await guardedFetch(runtime, "eu")("https://idp.example/c", { method: "GET" });
    expect(budgets).toEqual([300, 50, 300]);
  });

  it("a hung connect is provider_unavailable, reason connect_timeout, long before timeoutMs", async () => {
    // timeoutMs is past the test's own timeout: only the connect budget can end this call in time.
    const runtime = createRuntime({ fetch: nodeFetch(), connectTimeoutMs: 200, timeoutMs: 120_000 });
    const err = await idSwitchErrorOf(
      guardedFetch(runtime, "eu")(`http://127.0.0.1:${hung.port}/jwks?x=secret`),
    );
    expect(err).toMatchObject({ code: "provider_unavailable", provider: "eu", reason: "connect_timeout" });
    expect(err.retryable).toBe(true);
    expect(err.message).toBe(`eu: http://127.0.0.1:${hung.port}/jwks not reachable within 200 ms`);
  });

  it("maps the platform fetch's own connect timeout (undici) to connect_timeout too", async () => {
    const undici = Object.assign(new Error("Connect Timeout Error"), { code: "UND_ERR_CONNECT_TIMEOUT" });
    const failing: FetchLike = async () => Promise.reject(new TypeError("fetch failed", { cause: undici }));
    const err = await idSwitchErrorOf(
      guardedFetch(createRuntime({ fetch: failing }), "eu")("https://idp.example/x"),
    );
    expect(err).toMatchObject({
      reason: "connect_timeout",
      message: "eu: https://idp.example/x not reachable (connect timed out)",
    });
  });
});

describe("connectTimeoutMs in the configuration file", () => {
  const file = {
    providers: [
      {
        type: "keycloak",
        id: "eu",
        issuer: "https://auth.example.eu/realms/acme",
        clientId: "app",
        connectTimeoutMs: 800,
      },
    ],
  };

  it("needs a fetch that honours it: without one it is a config_invalid issue at its path", async () => {
    const err = await idSwitchErrorOf(
      Promise.resolve().then(() => identityOptionsFromConfig(file, { env: {} })),
    );
    expect(err.code).toBe("config_invalid");
    expect(err.issues?.map((i) => i.path)).toEqual(["providers[0].connectTimeoutMs"]);
    expect(err.issues?.[0]?.message).toMatch(/nodeFetch/);
    expect(identityOptionsFromConfig(file, { env: {}, fetch: nodeFetch() }).providers).toHaveLength(1);
  });

  it("loadConfig (Node) gives the providers a nodeFetch, so the file's budget holds", async () => {
    const options = await loadConfig({ env: { IDSWITCH_CONFIG: JSON.stringify(file) } });
    expect(options.providers).toHaveLength(1);
    const web: FetchLike = (input, init) => globalThis.fetch(input, init);
    const err = await idSwitchErrorOf(
      loadConfig({ env: { IDSWITCH_CONFIG: JSON.stringify(file) }, fetch: web }),
    );
    expect(err.issues?.map((i) => i.path)).toEqual(["providers[0].connectTimeoutMs"]);
  });
});
