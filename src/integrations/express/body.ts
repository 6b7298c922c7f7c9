/**
 * The body of a signal route (back-channel logout, Shared Signals push)
 * under Express: taken from `req.body` when the app's own body parser
 * already read the stream, read from the stream otherwise — at most `limit`
 * bytes, so a large body cannot hold memory.
 */
import type { Request } from "express";

export async function formBody(req: Request, limit: number): Promise<string | undefined> {
  const parsed: unknown = req.body;
  if (typeof parsed === "string") return parsed;
  if (typeof parsed === "object" && parsed !== null && !Buffer.isBuffer(parsed)) {
    // express.urlencoded() ran first: rebuild the form from its strings (anything else is not a form field).
    const fields = Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string");
    return new URLSearchParams(fields).toString();
  }
  if (Buffer.isBuffer(parsed)) return parsed.length <= limit ? parsed.toString("utf8") : undefined;
  if (req.readableEnded) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * What a body parser of the app's already read for the push route: its text
 * or bytes; undefined when none did (the stream is then still unread). A
 * parser that turned the body into an object (JSON) leaves nothing a SET
 * could be rebuilt from: the request goes on with an empty body, which the
 * receiver refuses.
 */
export function parsedBody(req: Request): string | Uint8Array | undefined {
  const parsed: unknown = req.body;
  return typeof parsed === "string" || Buffer.isBuffer(parsed) ? parsed : undefined;
}
