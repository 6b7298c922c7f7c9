// A loopback port whose connects hang: a listener (backlog 1) in a worker thread whose event loop is blocked
// (Atomics.wait), so it never accepts. The kernel completes handshakes into the accept queue until it is
// full (two on Linux with backlog 1), then drops further SYNs: a new connect gets no answer at all, as with
// a host that is down behind a firewall. `fill()` fills the queue first and checks a further connect hangs.
import { connect, type Socket } from "node:net";
import { Worker } from "node:worker_threads";

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const net = require("node:net");
const server = net.createServer();
server.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(new Int32Array(workerData.flag), 0, 0); // never accepts while blocked here
  server.close();
});`;

export interface HungConnect {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the listener, fills its accept queue and checks that one more connect hangs for `checkMs`. */
export async function hungConnectPort(checkMs = 300): Promise<HungConnect> {
  const flag = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER, { eval: true, workerData: { flag } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  const fillers: Socket[] = [];
  const attempt = (): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      fillers.push(socket);
      socket.on("error", () => {});
      const timer = setTimeout(() => resolve(false), checkMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  const close = async (): Promise<void> => {
    for (const socket of fillers) socket.destroy();
    const state = new Int32Array(flag);
    Atomics.store(state, 0, 1);
    Atomics.notify(state, 0);
    await worker.terminate();
  };
  // Fill the queue: connects complete until it is full; the first that does not is the proof of a hang.
  for (let i = 0; i < 16; i++) {
    if (!(await attempt())) return { port, close };
  }
  await close();
  throw new Error("the accept queue never filled: this kernel does not drop SYNs past the backlog");
}
