// HTTPS on request (createEntraEmulator({ https: true })): a certificate authority made for the emulator,
// and a server certificate it signed for localhost and 127.0.0.1.
import { X509Certificate } from "node:crypto";
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";
import { fetchTrusting } from "../../support/https-fetch.js";

let entra: EntraEmulator;
let ids: { tenant: string };

beforeAll(async () => {
  entra = await createEntraEmulator({ https: true });
  ids = { tenant: entra.addTenant().id };
});
afterAll(() => entra?.close());

describe("https: true", () => {
  it("serves https with a certificate its own CA signed for 127.0.0.1 and localhost", async () => {
    expect(entra.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = new X509Certificate(entra.caCertificate ?? "");
    expect(ca.ca).toBe(true);
    const presented = await peerCertificate(entra.url, entra.caCertificate ?? "");
    expect(presented.checkIssued(ca)).toBe(true);
    expect(presented.verify(ca.publicKey)).toBe(true);
    expect(presented.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
    const discovery = await (
      await fetchTrusting(entra.caCertificate ?? "")(
        `${entra.authority(ids.tenant)}/v2.0/.well-known/openid-configuration`,
      )
    ).json();
    expect(discovery.token_endpoint).toBe(`${entra.url}/${ids.tenant}/oauth2/v2.0/token`);
  });

  it("refuses a client that does not trust its CA", async () => {
    await expect(peerCertificate(entra.url, undefined)).rejects.toThrow(
      /self[- ]signed|unable to (get|verify)/i,
    );
  });
});

it("without the option: plain http and no CA", async () => {
  const plain = await createEntraEmulator();
  try {
    expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(plain.caCertificate).toBeUndefined();
  } finally {
    await plain.close();
  }
});

/** The certificate the server presents, trusting only `ca` (or nothing beyond the system store). */
function peerCertificate(url: string, ca: string | undefined): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${url}/common/discovery/instance`,
      ca === undefined ? {} : { ca },
      (incoming) => {
        const certificate = (incoming.socket as import("node:tls").TLSSocket).getPeerX509Certificate();
        incoming.resume();
        if (certificate) resolve(certificate);
        else reject(new Error("no peer certificate"));
      },
    );
    outgoing.on("error", reject);
    outgoing.end();
  });
}
