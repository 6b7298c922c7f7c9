// The real Keycloak's Shared Signals transmitter as the SSF tests need it: a realm of their own
// with the transmitter switched on (realm attribute `ssf.transmitterEnabled`), receiver clients
// carrying the `ssf.*` client attributes and the `ssf.read`/`ssf.manage` scopes (which Keycloak
// creates but does not attach to new clients), people to sign in, and a loopback HTTP server
// that hands each push to the receiver's web-standard handler, keeping what it received.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedPush {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  readonly status: number;
}

/** A node:http server on 127.0.0.1 that forwards every request to `handler`. */
export async function loopbackPushServer(handler: (request: Request) => Promise<Response>): Promise<{
  readonly url: string;
  readonly received: ReceivedPush[];
  close(): Promise<void>;
}> {
  const received: ReceivedPush[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    void (async () => {
      const body = await readBody(incoming);
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (typeof value === "string") headers.set(name, value);
      }
      const request = new Request(`http://127.0.0.1${incoming.url ?? "/"}`, {
        method: incoming.method ?? "GET",
        headers,
        ...(incoming.method === "GET" || incoming.method === "HEAD" ? {} : { body }),
      });
      const response = await handler(request);
      received.push({
        headers: {
          authorization: headers.get("authorization") ?? undefined,
          "content-type": headers.get("content-type") ?? undefined,
        },
        body,
        status: response.status,
      });
      outgoing.writeHead(response.status, Object.fromEntries(response.headers));
      outgoing.end(Buffer.from(await response.arrayBuffer()));
    })().catch(() => {
      outgoing.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    incoming.on("error", reject);
  });
}

/** A raw answer of Keycloak, kept for assertions and for the reference docs. */
export interface KeycloakAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** The master admin (admin-cli) acting on one realm of its own, created and deleted by the test. */
export class SsfRealm {
  readonly name = `ssf-${randomUUID().slice(0, 8)}`;
  readonly #base: string;
  readonly #admin: { username: string; password: string };
  #token: { value: string; until: number } | undefined;

  constructor(base: string, admin: { username: string; password: string }) {
    this.#base = base.replace(/\/+$/, "");
    this.#admin = admin;
  }

  get issuer(): string {
    return `${this.#base}/realms/${this.name}`;
  }

  /** Creates the realm with the SSF transmitter switched on. */
  async create(): Promise<void> {
    await this.admin("POST", "/admin/realms", {
      realm: this.name,
      enabled: true,
      attributes: { "ssf.transmitterEnabled": "true" },
    });
  }

  async delete(): Promise<void> {
    await this.admin("DELETE", `/admin/realms/${this.name}`);
  }

  async createUser(username: string, password: string): Promise<string> {
    const answer = await this.adminRaw("POST", this.path("/users"), {
      username,
      enabled: true,
      firstName: username,
      lastName: "Test",
      email: `${username}@example.test`,
      emailVerified: true,
      credentials: [{ type: "password", value: password, temporary: false }],
    });
    return idFromLocation(answer.location);
  }

  /** A confidential client with the given attributes; returns its internal id. */
  async createClient(clientId: string, secret: string, extra: Record<string, unknown> = {}): Promise<string> {
    const answer = await this.adminRaw("POST", this.path("/clients"), {
      clientId,
      secret,
      enabled: true,
      publicClient: false,
      protocol: "openid-connect",
      standardFlowEnabled: false,
      ...extra,
    });
    return idFromLocation(answer.location);
  }

  /** A receiver client: service account, `ssf.*` attributes, and the SSF scopes attached as optional. */
  async createReceiverClient(
    clientId: string,
    secret: string,
    attributes: Record<string, string>,
  ): Promise<void> {
    const id = await this.createClient(clientId, secret, {
      serviceAccountsEnabled: true,
      attributes: { "ssf.enabled": "true", ...attributes },
    });
    const scopes = (await this.admin("GET", this.path("/client-scopes"))).body as Array<{
      id: string;
      name: string;
    }>;
    for (const name of ["ssf.read", "ssf.manage"]) {
      const scope = scopes.find((s) => s.name === name);
      if (scope === undefined) throw new Error(`realm ${this.name} has no client scope ${name}`);
      await this.admin("PUT", this.path(`/clients/${id}/optional-client-scopes/${scope.id}`));
    }
  }

  /** A password sign-in at `clientId` (direct grant): a real user session. */
  async signIn(
    clientId: string,
    secret: string,
    username: string,
    password: string,
  ): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.issuer}/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        client_id: clientId,
        client_secret: secret,
        username,
        password,
        scope: "openid",
      }),
    });
    if (!response.ok) throw new Error(`sign-in of ${username} failed: HTTP ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  }

  path(suffix: string): string {
    return `/admin/realms/${this.name}${suffix}`;
  }

  async admin(method: string, path: string, body?: unknown): Promise<KeycloakAnswer> {
    const { status, body: parsed } = await this.adminRaw(method, path, body);
    return { status, body: parsed };
  }

  async adminRaw(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<KeycloakAnswer & { location: string | null }> {
    const response = await fetch(`${this.#base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.#accessToken()}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(
        `Keycloak admin ${method} ${path} failed: HTTP ${response.status} ${text.slice(0, 300)}`,
      );
    return {
      status: response.status,
      body: text === "" ? undefined : JSON.parse(text),
      location: response.headers.get("location"),
    };
  }

  async #accessToken(): Promise<string> {
    if (this.#token !== undefined && Date.now() < this.#token.until) return this.#token.value;
    const response = await fetch(`${this.#base}/realms/master/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        client_id: "admin-cli",
        username: this.#admin.username,
        password: this.#admin.password,
      }),
    });
    if (!response.ok) throw new Error(`master admin token: HTTP ${response.status}`);
    const { access_token: value, expires_in: expiresIn } = (await response.json()) as {
      access_token: string;
      expires_in: number;
    };
    this.#token = { value, until: Date.now() + (expiresIn - 15) * 1000 };
    return value;
  }
}

function idFromLocation(location: string | null): string {
  const id = location?.split("/").at(-1);
  if (!id) throw new Error("Keycloak answered without a Location");
  return id;
}

/** Resolves when `predicate` holds, checking after every push/poll event; rejects after `budgetMs`. */
export function waitFor(predicate: () => boolean, what: string, budgetMs = 45_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (predicate()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > budgetMs) {
        clearInterval(timer);
        reject(new Error(`waited ${budgetMs / 1000} s for ${what}`));
      }
    }, 100);
  });
}
