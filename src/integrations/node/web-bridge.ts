/**
 * A node:http request handed to a web-standard handler, and its answer
 * handed back. The signal receiver speaks Request/Response so that it runs
 * on workers too; Express and Fastify speak node:http. The body is passed
 * on as a stream, unread: the receiver bounds what it reads itself.
 */
import type { IncomingMessage } from "node:http";

/**
 * The web Request for `incoming` at `url`. `body` is what a body parser of
 * the app's already read, if one did; otherwise the stream goes on unread.
 */
export function webRequestOf(url: string, incoming: IncomingMessage, body?: string | Uint8Array): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const method = incoming.method ?? "GET";
  if (method === "GET" || method === "HEAD") return new Request(url, { method, headers });
  if (typeof body === "string") return new Request(url, { method, headers, body });
  if (body !== undefined) return new Request(url, { method, headers, body: new Uint8Array(body) });
  if (incoming.readableEnded) return new Request(url, { method, headers, body: "" });
  // `duplex` is required for a streamed request body (fetch standard); Node's RequestInit lacks it.
  const init = { method, headers, body: unreadBody(incoming), duplex: "half" };
  return new Request(url, init as RequestInit);
}

/**
 * The body as a web stream, read as the handler pulls. Cancelled (a body
 * past the handler's limit), the rest is drained rather than the socket
 * destroyed — what node:http does with any body left unread — so the sender
 * reads its 400 instead of a connection reset (`Readable.toWeb` destroys).
 */
function unreadBody(incoming: IncomingMessage): ReadableStream<Uint8Array> {
  let open = true;
  const stop = (): void => {
    open = false;
    incoming.off("data", onData);
  };
  let onData: (chunk: Buffer) => void = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      incoming.pause();
      onData = (chunk) => {
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 0) <= 0) incoming.pause();
      };
      incoming.on("data", onData);
      incoming.once("end", () => {
        if (open) controller.close();
        stop();
      });
      incoming.once("error", (error) => {
        if (open) controller.error(error);
        stop();
      });
    },
    pull() {
      incoming.resume();
    },
    cancel() {
      stop();
      incoming.resume();
    },
  });
}

/** A web Response as the parts a node:http framework sets: status, headers, body bytes (or none). */
export async function responseParts(response: Response): Promise<{
  status: number;
  headers: Array<[string, string]>;
  body: Buffer | undefined;
}> {
  const headers: Array<[string, string]> = [];
  response.headers.forEach((value, name) => {
    headers.push([name, value]);
  });
  const bytes = response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers, body: bytes?.length ? bytes : undefined };
}
