// The emulator as a server: ephemeral ports, several at once, close(), the request log, the error formats it
// can be configured with (docs/reference/entra-id.md §6.1, §6.5) and the error lookup page.
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { createEntraEmulator } from "../../../src/testing/index.js";
import { get, postForm, startWorld, tokenUrl } from "./world.js";

describe("server", () => {
  it("listens on 127.0.0.1 on an ephemeral port and starts quickly", async () => {
    const started = Date.now();
    const entra = await createEntraEmulator();
    try {
      expect(Date.now() - started).toBeLessThan(500);
      expect(entra.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await get(`${entra.url}/common/v2.0/.well-known/openid-configuration`)).status).toBe(200);
    } finally {
      await entra.close();
    }
  });

  it("honours a fixed port", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const entra = await createEntraEmulator({ port });
    try {
      expect(entra.url).toBe(`http://127.0.0.1:${port}`);
    } finally {
      await entra.close();
    }
  });

  it("runs several emulators side by side with separate directories", async () => {
    const [a, b] = await Promise.all([startWorld(), startWorld()]);
    try {
      expect(a.entra.url).not.toBe(b.entra.url);
      const inB = await get(`${b.entra.url}/${a.tenant.id}/v2.0/.well-known/openid-configuration`);
      expect(inB.json.error_codes).toEqual([90002]);
      const aKeys = (await get(`${a.entra.url}/common/discovery/v2.0/keys`)).json.keys.map(
        (k: { kid: string }) => k.kid,
      );
      const bKeys = (await get(`${b.entra.url}/common/discovery/v2.0/keys`)).json.keys.map(
        (k: { kid: string }) => k.kid,
      );
      expect(aKeys.filter((kid: string) => bKeys.includes(kid))).toEqual([]);
    } finally {
      await Promise.all([a.entra.close(), b.entra.close()]);
    }
  });

  it("close() frees the port: later requests are refused", async () => {
    const entra = await createEntraEmulator();
    await entra.close();
    await expect(fetch(`${entra.url}/common/v2.0/.well-known/openid-configuration`)).rejects.toThrow();
    await entra.close(); // twice is harmless
  });

  it("records what reached it: method and path, without the query", async () => {
    const entra = await createEntraEmulator();
    try {
      expect(entra.requests).toEqual([]);
      await get(`${entra.url}/common/discovery/v2.0/keys?appid=x`);
      await postForm(`${entra.url}/common/oauth2/v2.0/token`, {});
      expect(entra.requests).toEqual([
        { method: "GET", path: "/common/discovery/v2.0/keys" },
        { method: "POST", path: "/common/oauth2/v2.0/token" },
      ]);
    } finally {
      await entra.close();
    }
  });

  it("answers unknown paths with 404", async () => {
    const entra = await createEntraEmulator();
    try {
      expect((await get(`${entra.url}/common/oauth2/v3/token`)).status).toBe(404);
    } finally {
      await entra.close();
    }
  });

  it("answers CORS preflights on the metadata endpoints", async () => {
    const entra = await createEntraEmulator();
    try {
      const response = await fetch(`${entra.url}/common/discovery/v2.0/keys`, { method: "OPTIONS" });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-methods")).toBe("GET, OPTIONS");
    } finally {
      await entra.close();
    }
  });
});

describe("error formats", () => {
  it("traceSuffix crlf: the pre-2023 `\\r\\n` separators (§6.1)", async () => {
    const w = await startWorld({ traceSuffix: "crlf" });
    try {
      const result = await postForm(tokenUrl(w), {
        grant_type: "client_credentials",
        client_id: crypto.randomUUID(),
      });
      expect(result.json.error_description).toMatch(
        /^AADSTS700016: .+\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/s,
      );
    } finally {
      await w.entra.close();
    }
  });

  it("errorOverrides change error, suberror and status per AADSTS code (§6.5)", async () => {
    const w = await startWorld({
      errorOverrides: { 700016: { error: "invalid_client", status: 401 }, 50034: { suberror: null } },
    });
    try {
      const result = await postForm(tokenUrl(w), {
        grant_type: "client_credentials",
        client_id: crypto.randomUUID(),
      });
      expect(result.status).toBe(401);
      expect(result.json.error).toBe("invalid_client");
      expect(result.json.error_codes).toEqual([700016]);
    } finally {
      await w.entra.close();
    }
  });

  it("error_uri points at the emulator's own /error page, which names the code", async () => {
    const w = await startWorld();
    try {
      const result = await postForm(tokenUrl(w), {
        grant_type: "client_credentials",
        client_id: crypto.randomUUID(),
      });
      const page = await get(result.json.error_uri);
      expect(result.json.error_uri).toBe(`${w.entra.url}/error?code=700016`);
      expect(page.status).toBe(200);
      expect(page.text).toContain("AADSTS700016");
    } finally {
      await w.entra.close();
    }
  });

  it("timestamp and trace_id are consistent with the headers", async () => {
    const w = await startWorld();
    try {
      const before = Date.now();
      const result = await postForm(tokenUrl(w), { grant_type: "nope" });
      const stamp = Date.parse(result.json.timestamp.replace(" ", "T"));
      expect(stamp).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(result.json.trace_id).toBe(result.headers.get("x-ms-request-id"));
      expect(result.json.correlation_id).not.toBe(result.json.trace_id);
    } finally {
      await w.entra.close();
    }
  });
});
