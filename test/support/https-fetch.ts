// A `fetch` for test helpers that trusts one extra certificate authority (an emulator's own, see
// `createEntraEmulator({ https: true })`) without touching the process's global fetch or trust store.
// Enough for the headless browser: GET/POST with a string or form body, manual redirects only.
import { request } from "node:https";

export function fetchTrusting(caCertificate: string): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    if (body !== undefined && !headers["content-type"] && init.body instanceof URLSearchParams) {
      headers["content-type"] = "application/x-www-form-urlencoded;charset=UTF-8";
    }
    return new Promise<Response>((resolve, reject) => {
      const outgoing = request(
        url,
        { method: init.method ?? "GET", headers, ca: caCertificate },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("error", reject);
          incoming.on("end", () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              for (const one of Array.isArray(value) ? value : [value ?? ""])
                responseHeaders.append(name, one);
            }
            const status = incoming.statusCode ?? 500;
            const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(payload, { status, headers: responseHeaders }));
          });
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }) as typeof fetch;
}
