// A loopback TCP balancer, as a layer-4 load balancer sits in front of a Keycloak cluster: it
// passes each connection's bytes through untouched (TLS ends at Keycloak, whose certificate names
// localhost), sending every new connection to the first backend still alive. A backend that
// fails a connect is dropped from the rotation and the connection is retried on the next one,
// so a client never sees a node that has died, only (at most) the connections it had open to it.
import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpBalancer {
  readonly port: number;
  /** Connections handed to each backend so far, by backend port. */
  readonly connections: ReadonlyMap<number, number>;
  /** Backends dropped after a refused connection. */
  readonly dropped: ReadonlySet<number>;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` (0: any free port) and forwards to 127.0.0.1:`backends[i]`, first
 * healthy first: the order says which node serves while all are up.
 */
export async function startTcpBalancer(backends: readonly number[], port = 0): Promise<TcpBalancer> {
  const connections = new Map(backends.map((backend) => [backend, 0]));
  const dropped = new Set<number>();
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    client.pause(); // keep the ClientHello until a backend has accepted
    track(open, client);
    forward(client, { backends, connections, dropped, open });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as { port: number };
  return {
    port: bound,
    connections,
    dropped,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Pool {
  readonly backends: readonly number[];
  readonly connections: Map<number, number>;
  readonly dropped: Set<number>;
  readonly open: Set<Socket>;
}

function forward(client: Socket, pool: Pool): void {
  const backend = pool.backends.find((candidate) => !pool.dropped.has(candidate));
  if (backend === undefined || client.destroyed) {
    client.destroy(); // every node is gone: the client sees the connection reset
    return;
  }
  const upstream = track(pool.open, connect({ host: "127.0.0.1", port: backend }));
  upstream.once("error", () => {
    if (!connected) {
      // Refused or unreachable (the process is gone): drop the node, try the next one.
      pool.dropped.add(backend);
      forward(client, pool);
      return;
    }
    client.destroy();
  });
  let connected = false;
  upstream.once("connect", () => {
    connected = true;
    pool.connections.set(backend, (pool.connections.get(backend) ?? 0) + 1);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    // Either side closing or failing ends the pair: a dead node takes its connections with it.
    client.once("error", () => upstream.destroy());
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
}

function track(open: Set<Socket>, socket: Socket): Socket {
  open.add(socket);
  socket.once("close", () => open.delete(socket));
  return socket;
}
