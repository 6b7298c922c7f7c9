/**
 * `idswitch mirror` and `idswitch readiness` as an operator runs them, in
 * process through the bin's `main`: the Entra emulator's Graph as the source,
 * a realm of the real Keycloak as the target (Keycloak-lite has no Admin API),
 * configured by a file with a `directory` section and checkpointed in a JSON
 * state file next to it.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import type { MirrorPlan, MirrorResult, ReadinessReport } from "../../../src/directory/index.js";
import { keycloakUrl } from "../../support/keycloak-env.js";
import {
  type Directory,
  directoryConfig,
  generatedDirectory,
  mirrorRealm,
  realmUsers,
  type TestRealm,
  targetOf,
} from "./support.js";

const USERS = 12;
const GROUPS = 3;
const env = { MIRROR_GRAPH_SECRET: "mirror-secret", MIRROR_KC_SECRET: "mirror-secret" };

let dir: Directory;
let realm: TestRealm;
let folder: string;
let config: string;
let statePath: string;

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function idswitch(args: string[], options: { isTTY?: boolean } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    env,
    write: (line) => out.push(line),
    stderr: { write: (text) => err.push(text), isTTY: options.isTTY ?? false },
  });
  return { code, out: out.join("\n"), err: err.join("") };
}

beforeAll(async () => {
  dir = await generatedDirectory(USERS, GROUPS);
  realm = await mirrorRealm();
  folder = await mkdtemp(join(tmpdir(), "idswitch-mirror-cli-"));
  config = join(folder, "idswitch.config.json");
  statePath = join(folder, "state", "mirror.json");
  await writeFile(
    config,
    JSON.stringify({
      directory: directoryConfig(dir, realm, {
        policy: "propagate",
        // Relative to the configuration file, not to the working folder.
        state: { file: "state/mirror.json" },
      }),
    }),
  );
});
afterAll(async () => {
  await realm?.delete();
  await dir?.entra.close();
});

describe("idswitch mirror", () => {
  it("plan prints counts per kind and examples, writes nothing, creates no checkpoint", async () => {
    const run = await idswitch(["mirror", "plan", "--config", config]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain(`to    Keycloak ${keycloakUrl()}, realm ${realm.name}`);
    expect(run.out).toContain("Round: full");
    expect(run.out).toMatch(new RegExp(`create-user\\s+${USERS}\\n`));
    expect(run.out).toMatch(new RegExp(`create-group\\s+${GROUPS}\\n`));
    expect(run.out).toContain("For example:");
    expect(run.out).toContain(`create-user            ${dir.tenantId}:`);
    expect(await realmUsers(realm)).toHaveLength(0);
    expect(existsSync(statePath)).toBe(false);
  });

  it("plan --json is the whole plan as data", async () => {
    const run = await idswitch(["mirror", "plan", "--config", config, "--json"]);
    expect(run.code, run.err).toBe(0);
    const plan = JSON.parse(run.out) as MirrorPlan;
    expect(plan.counts["create-user"]).toBe(USERS);
    expect(plan.actions).toHaveLength(plan.writes);
    expect(plan.status).toBe("done");
  });

  it("apply mirrors everyone, reports plain progress lines off a terminal, checkpoints beside the config", async () => {
    const run = await idswitch(["mirror", "apply", "--config", config]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/^Done: \d+ writes \(full round\)\.$/m);
    expect(run.out).toMatch(new RegExp(`create-user\\s+${USERS}\\n`));
    expect(run.out).toContain(`Checkpoint: ${statePath}`);
    expect(run.err).toContain("mirror apply: users…\n");
    expect(run.err).toMatch(/mirror apply: \d+ writes \(0:\d\d\)\n$/);
    expect(run.err).not.toContain("\r");
    const users = await realmUsers(realm);
    expect(users).toHaveLength(USERS);
    expect(users.every((u) => u.enabled)).toBe(true);
    const state = JSON.parse(await readFile(statePath, "utf8"));
    expect(state.entries["idswitch:mirror:default:cursor"].value).toMatchObject({ round: "delta" });
    expect(existsSync(`${statePath}.lock`)).toBe(false);
  });

  it("a rerun reads the checkpoint: an incremental round that writes nothing; on a terminal, a bar on stderr", async () => {
    const run = await idswitch(["mirror", "apply", "--config", config, "--json"], { isTTY: true });
    expect(run.code, run.err).toBe(0);
    const result = JSON.parse(run.out) as MirrorResult; // stdout is only the JSON
    expect(result.round).toBe("delta");
    expect(result.writes).toBe(0);
    const redraw = "\r\u001b[2K"; // back to the line's start, clear it
    expect(run.err).toContain(`${redraw}mirror apply [`);
    expect(run.err).toMatch(/mirror apply \[█+·*\] users · \d+ read, 0 writes · 0:\d\d/);
    expect(run.err.endsWith("\n")).toBe(true);
  });

  it("a mass disable trips the brake: exit 1, nobody disabled, the confirming command named", async () => {
    const victims = dir.users.slice(0, 4); // a third of the directory, past the default 10 %
    for (const user of victims) dir.entra.setUserState(user.oid, "disabled");
    const plan = await idswitch(["mirror", "plan", "--config", config]);
    expect(plan.code, plan.err).toBe(0);
    expect(plan.out).toContain(
      `The mass-disable brake would stop apply: 4 of ${USERS} mirrored people would be disabled, more than the brake allows (1).`,
    );
    const braked = await idswitch(["mirror", "apply", "--config", config]);
    expect(braked.code).toBe(1);
    expect(braked.out).toContain(
      `✘ The mass-disable brake stopped this run: 4 of ${USERS} mirrored people would be disabled, more than the brake allows (1).`,
    );
    expect(braked.out).toContain("Nobody was disabled");
    expect(braked.out).toContain("idswitch mirror apply --confirm-disables");
    expect((await realmUsers(realm)).every((u) => u.enabled)).toBe(true);

    const confirmed = await idswitch(["mirror", "apply", "--config", config, "--confirm-disables", "--json"]);
    expect(confirmed.code, confirmed.err).toBe(0);
    expect((JSON.parse(confirmed.out) as MirrorResult).counts["disable-user"]).toBe(4);
    const disabled = (await realmUsers(realm)).filter((u) => !u.enabled).map((u) => u.key);
    expect(disabled.sort()).toEqual(victims.map((u) => `${dir.tenantId}:${u.oid}`).sort());
  });
});

describe("idswitch readiness", () => {
  it("exit 1 while people enabled at Entra have no way to sign in at Keycloak", async () => {
    const run = await idswitch(["readiness", "--config", config]);
    expect(run.code, run.err).toBe(1);
    expect(run.out).toMatch(new RegExp(`Entra users\\s+${USERS}\\n`));
    expect(run.out).toMatch(/no credential yet\s+12\n/);
    expect(run.out).toContain(
      `Not ready: ${USERS - 4} people enabled at Entra could not sign in at Keycloak today.`,
    );
    const json = await idswitch(["readiness", "--config", config, "--json"]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as ReadinessReport;
    expect(report.totals.users).toBe(USERS);
    expect(report.gaps.filter((g) => g.enabledAtSource)).toHaveLength(USERS - 4);
  });

  it("exit 0 once everyone enabled at Entra can sign in; people disabled at Entra are listed, not counted", async () => {
    const target = targetOf(realm);
    for (const user of await realmUsers(realm)) {
      if (!user.enabled) continue;
      const answer = await target.http.call("PUT", `/users/${user.id}/reset-password`, {
        type: "password",
        value: `pw-${user.id}`,
        temporary: false,
      });
      expect(answer.status).toBe(204);
    }
    const run = await idswitch(["readiness", "--config", config]);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain("(disabled at Entra)");
    expect(run.out).toContain("Ready: everyone enabled at Entra can sign in at Keycloak.");
  });
});
