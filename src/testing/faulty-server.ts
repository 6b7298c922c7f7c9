/**
 * The HTTP server both emulators (Entra ID, Keycloak-lite) run on 127.0.0.1:
 * it drops connections until the emulator is ready, applies the transport
 * faults — `refused` resets the connection, `hang` never answers (until
 * `close()`), `slow` waits, `truncated` sends half the body and cuts the
 * socket — and writes the reply its emulator computed. What a request means
 * (routes, status faults, bodies) stays with each emulator.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

/** An emulator's answer, as written to the socket. */
export interface RawReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: string;
}

/** The part of a fault the transport applies. */
export interface TransportFault {
  readonly mode: string;
  readonly delayMs?: number;
}

export interface FaultyServerOptions<C> {
  readonly port: number;
  /** PEM key and certificate: serve HTTPS instead of HTTP. */
  readonly tls?: { readonly key: string; readonly cert: string } | undefined;
  /** Named in the 500 a bug in the emulator answers with. */
  readonly name: string;
  /** Records the request and takes the fault that applies to it, if any. */
  fault(method: string, path: string): TransportFault | undefined;
  /** The emulator's reply, for a request the transport lets through. */
  answer(
    core: C,
    request: IncomingMessage,
    path: string,
    fault: TransportFault | undefined,
  ): Promise<RawReply>;
}

export interface FaultyServer<C> {
  readonly port: number;
  /** Starts answering; until then connections are dropped (the URL is not known to anyone yet). */
  serve(core: C): void;
  close(): Promise<void>;
}

export async function startFaultyServer<C>(options: FaultyServerOptions<C>): Promise<FaultyServer<C>> {
  let core: C | undefined;
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    if (core === undefined || closed) {
      request.socket.destroy();
      return;
    }
    handle(core, request, response).catch((error: unknown) => internalError(response, error, options.name));
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, listener) : createServer(listener);

  async function handle(active: C, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://emulator.invalid").pathname;
    const fault = options.fault(request.method ?? "GET", path);
    if (fault?.mode === "refused") {
      request.socket.resetAndDestroy();
      return;
    }
    if (fault?.mode === "hang") return; // the socket stays open; close() destroys it
    if (fault?.mode === "slow") await delay(fault.delayMs ?? 2000);
    if (closed) return;
    const reply = await options.answer(active, request, path, fault);
    write(response, reply, fault?.mode === "truncated");
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    serve(active) {
      core = active;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function write(response: ServerResponse, reply: RawReply, truncated: boolean): void {
  const body = Buffer.from(reply.body, "utf8");
  response.writeHead(reply.status, { ...reply.headers, "Content-Length": String(body.length) });
  if (!truncated) {
    response.end(body);
    return;
  }
  // The announced length never arrives: the client sees the connection end mid-body.
  response.write(body.subarray(0, Math.floor(body.length / 2)), () => response.destroy());
}

/** A bug in the emulator, not the provider's answer: say so plainly. */
function internalError(response: ServerResponse, error: unknown, name: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  response.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
  response.end(`${name} emulator error: ${message}`);
}
