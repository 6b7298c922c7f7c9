/**
 * Reads a request body as text, but no further than a limit: signal routes
 * (a logout token, a security event token) take bodies from the network, and
 * a large one must not hold memory. Web-standard streams only.
 */

/** The body as text; undefined once it passes `limit` bytes (declared or read), and then read no further. */
export async function boundedText(request: Request, limit: number): Promise<string | undefined> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await discardBody(request);
    return undefined;
  }
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** Lets go of a body that will not be read. */
export async function discardBody(request: Request): Promise<void> {
  await request.body?.cancel().catch(() => {});
}
