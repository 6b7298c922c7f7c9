/**
 * The passkey onboarding campaign against the real Keycloak, its e-mails
 * caught by an SMTP sink on loopback: a directory of 315 people mirrored from
 * the Entra emulator (by `idswitch mirror apply`, policy "hold"), of whom 5 are
 * disabled at Keycloak, 5 disabled at Entra since the last mirror run and 5
 * quarantined by the mirror. Exactly 300 e-mails across three runs of 100, to
 * the right people, each once, with Keycloak's action-token link; reminders
 * only after the delay (an injected clock); and `idswitch onboard send`
 * SIGKILLed mid-batch, then run again: it finishes, and nobody gets the
 * invitation twice.
 */
import { spawn } from "node:child_process";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileStateStore } from "../../../src/cli/file-state.js";
import { main } from "../../../src/cli/main.js";
import { type OnboardOptionsInput, type OnboardResult, onboard } from "../../../src/directory/index.js";
import type { StateValue } from "../../../src/index.js";
import { keycloakUrl, REDIRECT_URI } from "../../support/keycloak-env.js";
import { type SinkMessage, type SmtpSink, sendRealmMailTo, startSmtpSink } from "../../support/smtp-sink.js";
import {
  type Directory,
  directoryConfig,
  generatedDirectory,
  mirrorRealm,
  realmUsers,
  sourceOf,
  type TestRealm,
  targetOf,
} from "./support.js";

const ELIGIBLE = 300;
const EXCLUDED = 5; // of each kind: disabled at Keycloak, disabled at Entra, quarantined
const DAY = 86_400_000;
const env = { MIRROR_GRAPH_SECRET: "mirror-secret", MIRROR_KC_SECRET: "mirror-secret" };

let dir: Directory;
let realm: TestRealm;
let sink: SmtpSink;
let folder: string;
let statePath: string;
let configPath: string;
/** The state right after mirroring (nobody invited yet): the kill test's campaign starts from it. */
let freshStatePath: string;
let eligibleEmails: Set<string>;
const excluded = { keycloak: [] as string[], entra: [] as string[], quarantined: [] as string[] };
const timings: Record<string, number> = {};

async function idswitch(args: string[], configFile: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, "--config", configFile], {
    env,
    write: (line) => out.push(line),
    stderr: { write: (text) => err.push(text), isTTY: false },
  });
  return { code, out: out.join("\n"), err: err.join("") };
}

function configOf(state: string) {
  return {
    directory: directoryConfig(
      dir,
      realm,
      { policy: "hold", groups: false, state: { file: state } },
      { clients: undefined },
    ),
  };
}

/** A library campaign on the checkpoint file (opened for the run, closed after, as the CLI does). */
async function campaign<T>(
  extra: Partial<OnboardOptionsInput>,
  run: (c: ReturnType<typeof onboard>) => Promise<T>,
): Promise<T> {
  const state = await FileStateStore.open(statePath);
  try {
    return await run(
      onboard({
        source: sourceOf(dir),
        target: targetOf(realm),
        state,
        ratePerSecond: 1000,
        concurrency: 8,
        clientId: "app",
        redirectUri: REDIRECT_URI,
        ...extra,
      }),
    );
  } finally {
    await state.close();
  }
}

const recipients = (messages: readonly SinkMessage[]) => messages.flatMap((m) => m.to);

beforeAll(async () => {
  const started = performance.now();
  dir = await generatedDirectory(ELIGIBLE + 3 * EXCLUDED, 0);
  realm = await mirrorRealm();
  sink = await startSmtpSink();
  folder = await mkdtemp(join(tmpdir(), "idswitch-onboard-"));
  statePath = join(folder, "state.json");
  freshStatePath = join(folder, "fresh-state.json");
  const config = join(folder, "idswitch.config.json");
  configPath = config;
  await writeFile(config, JSON.stringify(configOf(statePath)));
  expect((await idswitch(["mirror", "apply"], config)).code).toBe(0);
  timings.mirrorMs = Math.round(performance.now() - started);
  // Quarantined: disabled at Entra, the mirror (policy "hold") keeps the copy enabled and quarantines it.
  const [quarantined, entraOnly, keycloakOnly] = [0, 1, 2].map((k) =>
    dir.users.slice(ELIGIBLE + k * EXCLUDED, ELIGIBLE + (k + 1) * EXCLUDED),
  ) as [Directory["users"], Directory["users"], Directory["users"]];
  for (const u of quarantined) dir.entra.setUserState(u.oid, "disabled");
  const held = await idswitch(["mirror", "apply", "--json"], config);
  expect(held.code).toBe(0);
  expect(JSON.parse(held.out).quarantined).toHaveLength(EXCLUDED);
  // Disabled at Entra since the last mirror run: the copy is still enabled, not quarantined yet.
  for (const u of entraOnly) dir.entra.setUserState(u.oid, "disabled");
  const byKey = new Map((await realmUsers(realm)).map((u) => [u.key, u.id]));
  for (const u of keycloakOnly) {
    await realm.admin.setUserEnabled(byKey.get(`${dir.tenantId}:${u.oid}`) as string, false);
  }
  excluded.quarantined = quarantined.map((u) => u.upn);
  excluded.entra = entraOnly.map((u) => u.upn);
  excluded.keycloak = keycloakOnly.map((u) => u.upn);
  eligibleEmails = new Set(dir.users.slice(0, ELIGIBLE).map((u) => u.upn)); // mail = UPN in the generated directory
  await copyFile(statePath, freshStatePath);
  await sendRealmMailTo(targetOf(realm), sink);
});

afterAll(async () => {
  // The realm is this file's own and goes with its SMTP settings; nothing of the shared realm was touched.
  await realm?.delete();
  await dir?.entra.close();
  await sink?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
  process.stderr.write(`onboard timings (ms): ${JSON.stringify(timings)}\n`);
});

describe("a passkey campaign over 300 mirrored people", () => {
  it("plan shows the first batch of 100 and who is skipped, and sends nothing", async () => {
    const plan = await campaign({ batch: 100 }, (c) => c.plan());
    expect(plan).toMatchObject({
      mirrored: ELIGIBLE + 3 * EXCLUDED,
      due: { invite: ELIGIBLE, remind: 0 },
      remaining: ELIGIBLE - 100,
      problems: [],
      inDoubt: [],
      skipped: {
        disabledAtKeycloak: EXCLUDED,
        disabledAtEntra: EXCLUDED,
        quarantined: EXCLUDED,
        hasCredential: 0,
      },
    });
    expect(plan.batch).toHaveLength(100);
    expect(sink.messages).toHaveLength(0);
  });

  it("three runs of 100: exactly 300 e-mails, one to each eligible person, none to the others", async () => {
    const results: OnboardResult[] = [];
    const started = performance.now();
    for (let run = 1; run <= 3; run++) {
      results.push(await campaign({ batch: 100 }, (c) => c.send()));
      await sink.waitFor(100 * run);
    }
    timings.invite300WallMs = Math.round(performance.now() - started);
    timings.invite300SendingMs = results.reduce((ms, r) => ms + r.sendingMs, 0);
    expect(results.map((r) => [r.sent.invite, r.remaining])).toEqual([
      [100, 200],
      [100, 100],
      [100, 0],
    ]);
    await new Promise((r) => setTimeout(r, 500)); // anything late would show up now
    const to = recipients(sink.messages);
    expect(to).toHaveLength(ELIGIBLE);
    expect(new Set(to)).toEqual(eligibleEmails);
    for (const upn of [...excluded.keycloak, ...excluded.entra, ...excluded.quarantined]) {
      expect(to).not.toContain(upn);
    }
    expect((await campaign({ batch: 100 }, (c) => c.send())).sent).toEqual({ invite: 0, remind: 0 });
  });

  it("idswitch onboard plan: nothing due, everyone counted, exit 0", async () => {
    const plan = await idswitch(["onboard", "plan", "--batch", "100"], configPath);
    expect(plan.code).toBe(0);
    expect(plan.out).toContain("due now:   0 invitations, 0 reminders");
    expect(plan.out).toContain(
      `skipped:   0 can sign in already, ${ELIGIBLE} invited (reminder not due), ${EXCLUDED} disabled at Keycloak, ` +
        `${EXCLUDED} disabled or gone at Entra, ${EXCLUDED} quarantined`,
    );
    expect(plan.err).toContain("idswitch onboard plan: 0 e-mails planned");
  });

  it("each e-mail is Keycloak's own: its subject, and a link for that person's passkey registration", async () => {
    const ids = new Map((await realmUsers(realm)).map((u) => [u.username, u.id]));
    const message = sink.messages[0] as SinkMessage;
    expect(message.from).toBe("noreply@idswitch.test");
    expect(message.subject).toBe("Update Your Account");
    expect(message.link).toMatch(
      new RegExp(`^${keycloakUrl()}/realms/${realm.name}/login-actions/action-token\\?key=`),
    );
    const upn = message.to[0] as string;
    expect(message.token).toMatchObject({
      typ: "execute-actions",
      sub: ids.get(upn.toLowerCase()) ?? ids.get(upn),
      rqac: ["webauthn-register-passwordless"],
      azp: "app",
      reduri: REDIRECT_URI,
      eml: upn,
    });
    const token = message.token as { exp: number; iat: number };
    expect(token.exp - token.iat).toBe(7 * 86_400); // the lifespan: as long as the reminder period
  });

  it("reminders only after --remind-after, once per period, counted in the checkpoint", async () => {
    sink.clear();
    const now = Date.now();
    const early = await campaign({ now: () => now + 7 * DAY - 60_000 }, (c) => c.plan());
    expect(early.due.remind).toBe(0);
    expect(early.skipped.waiting).toBe(ELIGIBLE);
    const due = await campaign({ now: () => now + 7 * DAY + 60_000, batch: 10 }, (c) => c.send());
    expect(due).toMatchObject({ sent: { invite: 0, remind: 10 }, remaining: ELIGIBLE - 10 });
    const reminded = await sink.waitFor(10);
    expect(new Set(recipients(reminded)).size).toBe(10);
    const state = await FileStateStore.open(statePath, { readOnly: true });
    const invited = (await state.get<
      Record<string, { reminders: number; invitedAt: string; lastSentAt: string }>
    >("idswitch:onboard:default:invited")) as Record<
      string,
      { reminders: number; invitedAt: string; lastSentAt: string }
    >;
    expect(Object.keys(invited)).toHaveLength(ELIGIBLE);
    const counts = Object.values(invited).map((i) => i.reminders);
    expect(counts.filter((n) => n === 1)).toHaveLength(10);
    expect(counts.filter((n) => n === 0)).toHaveLength(ELIGIBLE - 10);
    // The same moment again: the ten just reminded are not due; the others still are.
    const again = await campaign({ now: () => now + 7 * DAY + 120_000 }, (c) => c.plan());
    expect(again.due.remind).toBe(ELIGIBLE - 10);
    expect(again.batch.map((e) => e.reminder).every((n) => n === 1)).toBe(true);
  });
});

describe("idswitch onboard send, SIGKILLed mid-batch", () => {
  it("the rerun finishes the batch and nobody gets the invitation twice", async () => {
    sink.clear();
    const config = join(folder, "kill.config.json");
    await writeFile(config, JSON.stringify(configOf(freshStatePath)));
    const bin = join(folder, "idswitch.mjs");
    const src = (path: string) => fileURLToPath(new URL(`../../../src/${path}`, import.meta.url));
    await build({
      entryPoints: [src("cli/index.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: bin,
      logLevel: "silent",
      alias: {
        idswitch: src("index.ts"),
        "idswitch/directory": src("directory/index.ts"),
        "idswitch/testing": src("testing/index.ts"),
      },
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    const args = ["onboard", "send", "--config", config, "--batch", "300", "--rate", "100/s"];
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      stdio: "ignore",
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_c, signal) => resolve(signal)),
    );
    // 125: mid-chunk (chunks of 10), so some of the chunk's e-mails are out and some are on their way.
    await sink.waitFor(125, 60_000);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    await new Promise((r) => setTimeout(r, 1000)); // requests Keycloak had already taken still send
    const beforeRerun = recipients(sink.messages);
    expect(beforeRerun.length).toBeGreaterThanOrEqual(125);
    expect(beforeRerun.length).toBeLessThan(ELIGIBLE);

    const started = performance.now();
    const rerun = await idswitch(["onboard", "send", "--batch", "300", "--rate", "1000/s", "--json"], config);
    timings.rerunAfterKillMs = Math.round(performance.now() - started);
    expect(rerun.code).toBe(0);
    const result = JSON.parse(rerun.out) as OnboardResult;
    await new Promise((r) => setTimeout(r, 500));
    const to = recipients(sink.messages);
    // Nobody twice; everyone either got it or is in doubt (was being sent to at the kill: counted as sent).
    expect(new Set(to).size).toBe(to.length);
    expect(result.inDoubt.length).toBeLessThanOrEqual(10);
    expect(result.sent.invite).toBe(ELIGIBLE - beforeRerun.length - missedInDoubt(result, beforeRerun));
    expect(to.length + missedInDoubt(result, beforeRerun)).toBe(ELIGIBLE);
    expect(new Set(to).size).toBeLessThanOrEqual(ELIGIBLE);
    for (const upn of to) expect(eligibleEmails.has(upn)).toBe(true);
    const state = await FileStateStore.open(freshStatePath, { readOnly: true });
    expect(
      Object.keys((await state.get<{ [key: string]: StateValue }>("idswitch:onboard:default:invited")) ?? {}),
    ).toHaveLength(ELIGIBLE);
    expect(await state.get("idswitch:onboard:default:sending")).toEqual({});
    timings.killedAfterEmails = beforeRerun.length;
    timings.inDoubt = result.inDoubt.length;
  });
});

/** People in doubt whose e-mail never arrived (their request had not reached Keycloak when the run died). */
function missedInDoubt(result: OnboardResult, arrived: readonly string[]): number {
  const upnOf = new Map(dir.users.map((u) => [`${dir.tenantId}:${u.oid}`, u.upn]));
  return result.inDoubt.filter((key) => !arrived.includes(upnOf.get(key) as string)).length;
}
