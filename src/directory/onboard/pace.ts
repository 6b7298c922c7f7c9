/**
 * The campaign's rate: e-mails start at most `ratePerSecond` a second,
 * evenly spaced, however many are in flight. Keycloak sends each one
 * synchronously through the realm's SMTP relay, and relays throttle or
 * blacklist a sender that bursts.
 */
export interface Pacer {
  /** Resolves when the next e-mail may start. */
  turn(): Promise<void>;
}

export function pacer(ratePerSecond: number, now: () => number, sleep: (ms: number) => Promise<void>): Pacer {
  const gap = 1000 / ratePerSecond;
  let next = Number.NEGATIVE_INFINITY;
  return {
    async turn() {
      const at = Math.max(now(), next);
      next = at + gap;
      const wait = at - now();
      if (wait > 0) await sleep(wait);
    },
  };
}
