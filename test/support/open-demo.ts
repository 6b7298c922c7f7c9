/**
 * `idswitch demo --open` started in-process on a free loopback port with the
 * Keycloak-lite spare, for the tests that drive it over HTTP or in Chromium.
 */
import { runDemo } from "../../src/cli/demo/run.js";
import { closedLoopbackPort } from "./ports.js";

export interface OpenDemo {
  /** The app's address, as the demo printed it. */
  readonly url: string;
  /** Asks the demo to stop; `exit` then settles with its exit code. */
  stop(): void;
  readonly exit: Promise<number>;
}

export async function openDemo(write: (line: string) => void = () => {}): Promise<OpenDemo> {
  const port = await closedLoopbackPort();
  let stop: () => void = () => {};
  let ready: (url: string) => void = () => {};
  const started = new Promise<string>((resolve) => {
    ready = resolve;
  });
  const exit = runDemo({
    env: {},
    lite: true,
    write,
    open: { port, stop: new Promise<void>((resolve) => (stop = resolve)), ready },
  });
  const url = await Promise.race([
    started,
    exit.then((code) => Promise.reject(new Error(`the demo exited ${code} before it served`))),
  ]);
  return { url, stop: () => stop(), exit };
}
