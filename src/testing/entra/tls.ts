/**
 * HTTPS for the emulator (`createEntraEmulator({ https: true })`): a
 * certificate authority made for this one emulator, and a server
 * certificate it signs for `localhost` and `127.0.0.1`. Clients that insist
 * on https authorities — Microsoft's own MSAL refuses an `http:` authority —
 * trust the CA (`emulator.caCertificate`, e.g. through `NODE_EXTRA_CA_CERTS`)
 * and nothing else changes. The private keys never leave the process.
 */
import { createHash, generateKeyPair, type KeyObject, randomBytes, sign } from "node:crypto";
import { promisify } from "node:util";
import {
  bitString,
  explicit,
  nullValue,
  objectIdentifier,
  octetString,
  printableString,
  sequence,
  set,
  smallInteger,
  time,
  tlv,
  unsignedInteger,
} from "./der.js";

const generateRsa = promisify(generateKeyPair);

const SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
const COMMON_NAME = "2.5.4.3";
const EXT = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
} as const;
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

export interface TlsMaterial {
  /** PEM of the CA certificate: what a client must trust. */
  readonly caCertificate: string;
  /** PEM of the server certificate (localhost, 127.0.0.1), signed by the CA. */
  readonly certificate: string;
  /** PEM (PKCS#8) of the server's private key. */
  readonly privateKey: string;
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(objectIdentifier(COMMON_NAME), printableString(commonName))));
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  const flag = critical ? [tlv(0x01, Buffer.from([0xff]))] : [];
  return sequence(objectIdentifier(oid), ...flag, octetString(value));
}

/** KeyUsage as a DER BIT STRING: `bits` is the first byte, `unused` its trailing zero bits (X.690 §11.2.2). */
function keyUsage(bits: number, unused: number): Buffer {
  return tlv(0x03, Buffer.from([unused, bits]));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyId(publicKey: KeyObject): Buffer {
  return createHash("sha1")
    .update(publicKey.export({ type: "pkcs1", format: "der" }))
    .digest();
}

interface Certify {
  readonly subject: string;
  readonly issuer: string;
  readonly publicKey: KeyObject;
  readonly signer: KeyObject;
  readonly extensions: readonly Buffer[];
  readonly now: number;
}

function certificate(c: Certify): Buffer {
  const algorithm = sequence(objectIdentifier(SHA256_WITH_RSA), nullValue());
  const notBefore = new Date(Math.floor(c.now / 1000) * 1000 - 3_600_000);
  const notAfter = new Date(notBefore.getTime() + 365 * 86_400_000);
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(randomBytes(16)),
    algorithm,
    name(c.issuer),
    sequence(time(notBefore), time(notAfter)),
    name(c.subject),
    c.publicKey.export({ type: "spki", format: "der" }),
    explicit(3, sequence(...c.extensions)),
  );
  return sequence(tbs, algorithm, bitString(sign("sha256", tbs, c.signer)));
}

function pem(der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** A fresh CA and a server certificate for `localhost` / `127.0.0.1`, valid for a year. */
export async function createTlsMaterial(now: number): Promise<TlsMaterial> {
  const [ca, server] = await Promise.all([
    generateRsa("rsa", { modulusLength: 2048 }),
    generateRsa("rsa", { modulusLength: 2048 }),
  ]);
  const caName = "idswitch Entra emulator CA";
  const caKeyId = keyId(ca.publicKey);
  const caDer = certificate({
    subject: caName,
    issuer: caName,
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    now,
    extensions: [
      extension(EXT.basicConstraints, true, sequence(tlv(0x01, Buffer.from([0xff])))),
      extension(EXT.keyUsage, true, keyUsage(0x06, 1)), // keyCertSign, cRLSign
      extension(EXT.subjectKeyIdentifier, false, octetString(caKeyId)),
    ],
  });
  const altNames = sequence(
    tlv(0x82, Buffer.from("localhost", "ascii")),
    tlv(0x87, Buffer.from([127, 0, 0, 1])),
  );
  const serverDer = certificate({
    subject: "localhost",
    issuer: caName,
    publicKey: server.publicKey,
    signer: ca.privateKey,
    now,
    extensions: [
      extension(EXT.basicConstraints, true, sequence()),
      extension(EXT.keyUsage, true, keyUsage(0xa0, 5)), // digitalSignature, keyEncipherment
      extension(EXT.extKeyUsage, false, sequence(objectIdentifier(SERVER_AUTH))),
      extension(EXT.subjectAltName, false, altNames),
      extension(EXT.subjectKeyIdentifier, false, octetString(keyId(server.publicKey))),
      extension(EXT.authorityKeyIdentifier, false, sequence(tlv(0x80, caKeyId))),
    ],
  });
  return {
    caCertificate: pem(caDer),
    certificate: pem(serverDer),
    privateKey: server.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}
