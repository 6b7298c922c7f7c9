/** The framework-neutral pieces: returnTo, options checked at the factory, sealing, chunked cookies. */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  createIdentity,
  type IdentitySession,
  IdSwitchError,
  MemoryStateStore,
  oidc,
} from "../../src/index.js";
import { chunk, parseCookies, unchunk } from "../../src/integrations/core/cookies.js";
import { safeReturnTo } from "../../src/integrations/core/return-to.js";
import { Sealer } from "../../src/integrations/core/seal.js";
import { SessionJar } from "../../src/integrations/core/session-jar.js";
import { bearerAuth, idswitch } from "../../src/integrations/express/index.js";
import { idswitch as honoIdswitch } from "../../src/integrations/hono/index.js";

const SECRET = "a-secret-for-unit-tests-of-32-chars+";
const identity = createIdentity({
  providers: [
    oidc({ id: "op", issuer: "https://op.example", clientId: "app", redirectUri: "https://app.example/cb" }),
  ],
});

function configError(run: () => unknown): IdSwitchError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IdSwitchError);
    return error as IdSwitchError;
  }
  throw new Error("expected config_invalid");
}

describe("safeReturnTo", () => {
  it.each(["/", "/orders", "/orders?page=2#top", "/a/b/../c"])("accepts %j", (path) => {
    expect(safeReturnTo(path)).toBeDefined();
  });
  it.each([
    "",
    "orders",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "javascript:alert(1)",
    "/%2fevil",
    "/%5Cevil",
    "/\tevil",
    "/\nevil",
    `/${"a".repeat(2048)}`,
    42,
  ])("refuses %j", (value) => {
    expect(safeReturnTo(value)).toBeUndefined();
  });
});

describe("options are checked when the factory is called", () => {
  it("a missing secret and chooser are named by their paths", () => {
    const error = configError(() => idswitch({ identity } as never));
    expect(error.code).toBe("config_invalid");
    expect(error.issues?.map((i) => i.path).sort()).toEqual(["chooserPath", "secret"]);
  });

  it("a short secret is refused without repeating it", () => {
    const error = configError(() =>
      honoIdswitch({ identity, secret: "short-secret", chooserPath: "/choose" }),
    );
    expect(error.issues).toEqual([{ path: "secret", message: expect.stringMatching(/32 characters/) }]);
    expect(error.message).not.toContain("short-secret");
  });

  it("an absolute chooser URL and an unknown option are refused", () => {
    const error = configError(() =>
      idswitch({ identity, secret: SECRET, chooserPath: "https://evil.example", cookies: {} } as never),
    );
    expect(error.issues?.map((i) => i.path).sort()).toEqual(["chooserPath", "cookies"]);
  });

  it("a scope that could break the WWW-Authenticate header is refused", () => {
    const error = configError(() => bearerAuth({ identity, audience: "api", requiredScopes: ['a" b'] }));
    expect(error.issues?.[0]?.path).toBe("requiredScopes[0]");
  });

  it("insecure cookies are for localhost only: any other host is refused", async () => {
    const auth = honoIdswitch({
      identity,
      secret: SECRET,
      chooserPath: "/choose",
      cookie: { secure: false },
    });
    const app = new Hono();
    app.route("/", auth.routes());
    const remote = await app.fetch(new Request("http://app.example.com/auth/login"));
    expect(remote.status).toBe(500);
    expect(remote.headers.get("set-cookie")).toBeNull();
  });

  it("bearer middleware needs an audience; requireRole needs a role", () => {
    expect(configError(() => bearerAuth({ identity } as never)).issues?.[0]?.path).toBe("audience");
    const auth = idswitch({ identity, secret: SECRET, chooserPath: "/choose" });
    expect(configError(() => auth.requireRole()).code).toBe("config_invalid");
  });
});

describe("sealing", () => {
  it("opens what it sealed, and nothing sealed for another purpose, key or time", async () => {
    const now = Math.floor(Date.now() / 1000);
    const sealer = new Sealer([SECRET]);
    const sealed = await sealer.seal("session", { a: 1 }, now + 60);
    expect(await sealer.open("session", sealed, now)).toEqual({ a: 1 });
    expect(await sealer.open("login", sealed, now)).toBeUndefined();
    expect(await new Sealer([`${SECRET}-other`]).open("session", sealed, now)).toBeUndefined();
    expect(await sealer.open("session", sealed, now + 61)).toBeUndefined();
  });

  it("a rotated secret still opens cookies sealed with the previous one", async () => {
    const now = Math.floor(Date.now() / 1000);
    const sealed = await new Sealer([SECRET]).seal("session", "x", now + 60);
    expect(await new Sealer([`${SECRET}-new`, SECRET]).open("session", sealed, now)).toBe("x");
  });
});

describe("session cookies", () => {
  const session = (size: number): IdentitySession =>
    ({
      provider: "op",
      appUserId: "u1",
      signedInAt: Date.now(),
      principal: { subject: "s", roles: [], claims: {} },
      tokens: { accessToken: "t".repeat(size), tokenType: "Bearer", expiresAt: undefined },
    }) as unknown as IdentitySession;
  const now = () => Math.floor(Date.now() / 1000);
  const toJar = (setCookies: string[]) => parseCookies(setCookies.map((c) => c.split(";")[0]).join("; "));

  it("split into chunks when a session is larger than one cookie, joined back on read", async () => {
    const jar = new SessionJar(new Sealer([SECRET]), {
      name: "sid",
      secure: true,
      maxAgeSeconds: 3600,
      store: undefined,
      sealAtRest: true,
    });
    const written = await jar.write(session(6000), new Map(), now(), undefined, false);
    expect(written.length).toBeGreaterThan(1);
    for (const cookie of written) expect(cookie.length).toBeLessThan(4096);
    const read = await jar.read(toJar(written), now());
    expect(read?.session.tokens.accessToken).toHaveLength(6000);
    expect(unchunk(new Map(chunk("n", "abc")), "n")).toBe("abc");
  });

  it("too large for cookies without a store: refused with the way out", async () => {
    const jar = new SessionJar(new Sealer([SECRET]), {
      name: "sid",
      secure: true,
      maxAgeSeconds: 3600,
      store: undefined,
      sealAtRest: true,
    });
    await expect(jar.write(session(20_000), new Map(), now(), undefined, false)).rejects.toThrow(
      /session\.store/,
    );
  });

  it("with a store, the cookie holds an id only; a new sign-in gets a new id and clearing revokes it", async () => {
    const store = new MemoryStateStore();
    const jar = new SessionJar(new Sealer([SECRET]), {
      name: "sid",
      secure: true,
      maxAgeSeconds: 3600,
      store,
      sealAtRest: true,
    });
    const first = await jar.write(session(20_000), new Map(), now(), undefined, false);
    expect(first).toHaveLength(1);
    const opened = await jar.read(toJar(first), now());
    expect(opened?.id).toMatch(/^[0-9a-f]{64}$/);
    const second = await jar.write(session(10), toJar(first), now(), opened?.id, false);
    expect(await jar.read(toJar(first), now())).toBeUndefined(); // session fixation: the old id is gone
    const reopened = await jar.read(toJar(second), now());
    await jar.clear(toJar(second), reopened?.id);
    expect(await jar.read(toJar(second), now())).toBeUndefined();
  });
});
