/**
 * A second application instance, in its own process, for the two-instance
 * tests: `createIdentity` over the Entra emulator (primary) and the
 * Keycloak-lite emulator (spare) that the parent runs, sharing the parent's
 * PostgreSQL LinkStore and Redis StateStore. Reports what it sees over IPC;
 * on command, asks for a token or completes a sign-in.
 *
 * Bundled by ./instances.ts (Node 20 runs no TypeScript); never imported by a test.
 */
import { createIdentity, type IdentityLoginState } from "idswitch";
import { type InstanceConfig, instanceOptions, webOptions } from "./instance-options.js";

export type InstanceCommand =
  | { readonly do: "token" }
  | { readonly do: "health" }
  | {
      readonly do: "complete";
      readonly callbackUrl: string;
      readonly state: IdentityLoginState;
      readonly count: number;
    }
  | { readonly do: "exit" };

export type InstanceReport =
  | { readonly kind: "ready" }
  | {
      readonly kind: "provider-down";
      readonly provider: string;
      readonly reason: string | undefined;
      readonly at: number;
    }
  | { readonly kind: "token"; readonly issuer: string }
  | {
      readonly kind: "health";
      readonly suspended: Record<string, string | undefined>;
      readonly breakers: Record<string, string>;
    }
  | {
      readonly kind: "completed";
      readonly ok: number;
      readonly refused: string[];
      readonly appUserIds: string[];
    }
  | { readonly kind: "failed"; readonly message: string };

const config = JSON.parse(process.argv[2] as string) as InstanceConfig;
const send = (report: InstanceReport) =>
  new Promise<void>((resolve) => process.send?.(report, () => resolve()));

const issuerOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { iss: string }).iss;

async function main(): Promise<void> {
  const identity = createIdentity(instanceOptions(config));
  const web = createIdentity(webOptions(config));
  identity.on(
    "provider-down",
    (e) => void send({ kind: "provider-down", provider: e.provider, reason: e.reason, at: Date.now() }),
  );
  await Promise.all([identity.ready(), web.ready()]);
  await identity.clientCredentials({ scope: { entra: config.daemon.scope } }); // warm: discovery done
  await send({ kind: "ready" });
  process.on("message", (command: InstanceCommand) => {
    void run(command).catch((err: unknown) =>
      send({ kind: "failed", message: String((err as Error).message) }),
    );
  });

  async function run(command: InstanceCommand): Promise<void> {
    if (command.do === "exit") {
      await Promise.all([identity.close(), web.close()]);
      process.exit(0);
    }
    if (command.do === "token") {
      const tokens = await identity.clientCredentials({ scope: { entra: config.daemon.scope } });
      await send({ kind: "token", issuer: issuerOf(tokens.accessToken) });
    } else if (command.do === "health") {
      const health = await identity.health();
      await send({
        kind: "health",
        suspended: Object.fromEntries(health.map((h) => [h.provider, h.suspended])),
        breakers: Object.fromEntries(health.map((h) => [h.provider, h.breaker])),
      });
    } else {
      const outcomes = await Promise.allSettled(
        Array.from({ length: command.count }, () => web.completeLogin(command.callbackUrl, command.state)),
      );
      await send({
        kind: "completed",
        ok: outcomes.filter((o) => o.status === "fulfilled").length,
        refused: outcomes.flatMap((o) =>
          o.status === "rejected" ? [String((o.reason as { reason?: string }).reason)] : [],
        ),
        appUserIds: outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value.appUserId] : [])),
      });
    }
  }
}

main().catch((err: unknown) => send({ kind: "failed", message: String((err as Error).message) }));
