/**
 * An SMTP server on loopback that keeps every message it is given (the
 * `smtp-server` package, no authentication, no TLS), so tests can read the
 * e-mails the real Keycloak sends: envelope, subject, the decoded text and
 * HTML parts, and the action-token link in them.
 *
 * The MIME reading is the little Keycloak's messages need (RFC 2045/2046:
 * multipart bodies, quoted-printable and base64 parts; RFC 2047 encoded-word
 * subjects), not a general parser.
 */
import { Buffer } from "node:buffer";
import { SMTPServer } from "smtp-server";

export interface SinkMessage {
  /** MAIL FROM. */
  readonly from: string | undefined;
  /** RCPT TO, every one. */
  readonly to: readonly string[];
  readonly subject: string;
  /** The message as received (headers and body). */
  readonly raw: string;
  /** The decoded text/plain and text/html parts, joined. */
  readonly text: string;
  readonly html: string;
  /** The first `…/login-actions/action-token?key=…` link in the message, HTML entities resolved. */
  readonly link: string | undefined;
  /** The link's `key` (a JWS) decoded without verification, to see whom and what it is for. */
  readonly token: ActionToken | undefined;
}

/** The claims of Keycloak's execute-actions token that tests look at. */
export interface ActionToken {
  readonly sub: string;
  readonly typ: string;
  readonly iat: number;
  readonly exp: number;
  readonly rqac?: readonly string[];
  readonly eml?: string;
  readonly azp?: string;
  readonly reduri?: string;
  readonly [claim: string]: unknown;
}

export interface SmtpSink {
  readonly host: string;
  readonly port: number;
  readonly messages: SinkMessage[];
  /** Resolves once `count` messages arrived in all; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<SinkMessage[]>;
  clear(): void;
  close(): Promise<void>;
}

/**
 * Points a Keycloak realm's e-mail at `sink`. A partial PUT of the realm merges
 * `smtpServer`, whose values are all strings (docs/reference/keycloak.md §5.9).
 */
export async function sendRealmMailTo(
  target: { http: { call(method: "PUT", path: string, body: unknown): Promise<unknown> } },
  sink: SmtpSink,
): Promise<void> {
  await target.http.call("PUT", "", {
    smtpServer: {
      host: sink.host,
      port: String(sink.port),
      from: "noreply@idswitch.test",
      fromDisplayName: "idswitch test",
      auth: "false",
      ssl: "false",
      starttls: "false",
    },
  });
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    banner: "idswitch test sink",
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const envelope = session.envelope;
        const from = envelope.mailFrom ? envelope.mailFrom.address : undefined;
        messages.push(
          read(
            Buffer.concat(chunks).toString("utf8"),
            from,
            envelope.rcptTo.map((r) => r.address),
          ),
        );
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.server.address();
  if (address === null || typeof address === "string") throw new Error("the SMTP sink has no port");
  return {
    host: "127.0.0.1",
    port: address.port,
    messages,
    waitFor(count, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(messages.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`the SMTP sink received ${messages.length} of ${count} messages in ${timeoutMs} ms`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    clear: () => {
      messages.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One received message, read. */
export function read(raw: string, from: string | undefined, to: readonly string[]): SinkMessage {
  const parts: Array<{ type: string; body: string }> = [];
  const { headers, body } = split(raw);
  collect(headers, body, parts);
  const text = parts
    .filter((p) => p.type === "text/plain")
    .map((p) => p.body)
    .join("\n");
  const html = parts
    .filter((p) => p.type === "text/html")
    .map((p) => p.body)
    .join("\n");
  const link = actionLink(`${text}\n${html}`);
  return {
    from,
    to,
    subject: decodeWords(headers.get("subject") ?? ""),
    raw,
    text,
    html,
    link,
    token: tokenOf(link),
  };
}

function split(entity: string): { headers: Map<string, string>; body: string } {
  const end = entity.search(/\r?\n\r?\n/);
  const head = end === -1 ? entity : entity.slice(0, end);
  const body = end === -1 ? "" : entity.slice(end).replace(/^\r?\n\r?\n/, "");
  const headers = new Map<string, string>();
  // Folded header lines (RFC 5322 §2.2.3) continue with white space.
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function collect(
  headers: Map<string, string>,
  body: string,
  parts: Array<{ type: string; body: string }>,
): void {
  const contentType = headers.get("content-type") ?? "text/plain";
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (type.startsWith("multipart/")) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (!boundary) return;
    const sections = body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith("--")) break;
      const inner = split(section.replace(/^\r?\n/, ""));
      collect(inner.headers, inner.body, parts);
    }
    return;
  }
  const charset =
    /charset="?([^";]+)"?/i.exec(contentType)?.[1]?.toLowerCase() === "utf-8" ? "utf8" : "latin1";
  parts.push({ type, body: decodeBody(body, headers.get("content-transfer-encoding"), charset) });
}

function decodeBody(body: string, encoding: string | undefined, charset: BufferEncoding): string {
  switch (encoding?.toLowerCase()) {
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString(charset);
    case "quoted-printable":
      return quotedPrintable(body, charset);
    default:
      return body;
  }
}

/** RFC 2045 §6.7: `=` at a line's end is a soft break; `=XX` is a byte. */
function quotedPrintable(text: string, charset: BufferEncoding): string {
  const joined = text.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i] as string, "utf8"));
  }
  return Buffer.from(bytes).toString(charset);
}

/** RFC 2047 encoded words: `=?UTF-8?Q?…?=` and `=?UTF-8?B?…?=`. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, charset: string, kind: string, text: string) => {
      const encoding: BufferEncoding = charset.toLowerCase() === "utf-8" ? "utf8" : "latin1";
      if (kind.toUpperCase() === "B") return Buffer.from(text, "base64").toString(encoding);
      return quotedPrintable(text.replace(/_/g, " "), encoding);
    });
}

function actionLink(text: string): string | undefined {
  const found = /https?:\/\/[^\s"'<>]+\/login-actions\/action-token\?[^\s"'<>]+/.exec(text)?.[0];
  return found?.replace(/&amp;/g, "&");
}

function tokenOf(link: string | undefined): ActionToken | undefined {
  const key = link ? new URL(link).searchParams.get("key") : null;
  const payload = key?.split(".")[1];
  if (!payload) return undefined;
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as ActionToken;
}
