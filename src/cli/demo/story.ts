/**
 * The demo's story, told through `createIdentity` against the Entra ID
 * emulator and an EU spare: a person signs in through Entra; Microsoft
 * suspends the account; the app offers the EU sign-in; the person signs in
 * at Keycloak and is the same app user with the same data. Then Entra
 * becomes unreachable and the application's own tokens come from the spare,
 * until Entra is back.
 */
import {
  createIdentity,
  entraId,
  type Identity,
  type IdentitySession,
  isIdSwitchError,
  keycloak,
  type TokenSet,
} from "idswitch";
import { createEntraEmulator, type EntraEmulator, signInWithPassword } from "idswitch/testing";
import type { Narrator } from "./narrator.js";
import type { Spare } from "./spare.js";

/** Where the story's sign-ins at Entra ID come back (the demo app of `--open` serves it). */
export const ENTRA_REDIRECT = "http://localhost:3000/callback/entra";

export interface StoryOptions {
  readonly narrator: Narrator;
  readonly spare: Spare;
}

/** Plays the whole story; throws (with the step that failed) if any part of it does not happen. */
export async function playStory({ narrator, spare }: StoryOptions): Promise<void> {
  const entra = await createEntraEmulator();
  try {
    const world = await narrator.step("Microsoft Entra ID (emulator) and the EU spare are up", () =>
      setUp(entra, spare),
    );
    narrator.say(`Entra ID: ${entra.url} · spare: ${spare.label}`);
    const identity = createIdentity({
      providers: [world.entraWeb, world.euWeb],
      routing: { order: ["entra", "eu"], breaker: { consecutiveFailures: 1, openMs: 1_000 } },
      linking: { claim: { name: spare.linkClaim, provider: "entra", from: ["eu"] } },
    });
    identity.on("failover", (e) =>
      narrator.say(`event failover: ${e.operation} ${e.from} → ${e.to} (${e.code})`),
    );
    identity.on("account-suspended", (e) =>
      narrator.say(`event account-suspended: ${e.provider} said ${e.code}`),
    );
    identity.on("provider-up", (e) => narrator.say(`event provider-up: ${e.provider}`));
    await suspensionChapter(narrator, identity, world, entra, spare);
    await outageChapter(narrator, world, entra);
  } finally {
    await entra.close();
  }
}

export interface World {
  readonly ada: { readonly oid: string; readonly username: string; readonly password: string };
  readonly adaAtSpare: { readonly username: string; readonly password: string };
  readonly entraWeb: ReturnType<typeof entraId>;
  readonly euWeb: ReturnType<typeof keycloak>;
  daemons(): Identity;
  readonly entraScope: string;
}

/** The story's tenant, apps and person: Ada at Entra ID, and her mirrored account at the spare. */
export async function setUp(
  entra: EntraEmulator,
  spare: Spare,
  entraRedirect = ENTRA_REDIRECT,
): Promise<World> {
  const tenant = entra.addTenant({ domain: "icc-demo.example" });
  const api = entra.addApp({ tenantId: tenant.id, displayName: "case-files-api", accessTokenVersion: 2 });
  const web = entra.addApp({
    tenantId: tenant.id,
    displayName: "case-files",
    secret: "web-secret",
    redirectUris: [entraRedirect],
  });
  const daemon = entra.addApp({
    tenantId: tenant.id,
    displayName: "case-files-sync",
    secret: "daemon-secret",
  });
  entra.grantAppRoles(daemon.clientId, api.clientId, []);
  const password = `Pw-${crypto.randomUUID()}`;
  const user = entra.addUser({
    tenantId: tenant.id,
    userPrincipalName: "ada@icc-demo.example",
    password,
    displayName: "Ada Prosecutor",
  });
  const adaAtSpare = {
    username: `ada-${crypto.randomUUID().slice(0, 6)}`,
    password: `Pw-${crypto.randomUUID()}`,
  };
  await spare.addPerson({
    ...adaAtSpare,
    email: `${adaAtSpare.username}@icc-demo.example`,
    firstName: "Ada",
    lastName: "Prosecutor",
    entraId: `${tenant.id}:${user.oid}`,
  });
  const entraOptions = { tenantId: tenant.id, authority: entra.url, v1IssuerBase: entra.v1IssuerBase };
  const runtime = { timeoutMs: 1_500 };
  return {
    ada: { oid: user.oid, username: user.userPrincipalName, password },
    adaAtSpare,
    entraScope: `${api.identifierUri}/.default`,
    entraWeb: entraId({
      id: "entra",
      ...entraOptions,
      clientId: web.clientId,
      clientSecret: "web-secret",
      redirectUri: entraRedirect,
    }),
    euWeb: keycloak({ id: "eu", issuer: spare.issuer, ...spare.web }),
    daemons: () =>
      createIdentity({
        providers: [
          entraId({
            id: "entra",
            ...entraOptions,
            clientId: daemon.clientId,
            clientSecret: "daemon-secret",
            runtime,
          }),
          keycloak({ id: "eu", issuer: spare.issuer, ...spare.daemon, runtime }),
        ],
        routing: { order: ["entra", "eu"], breaker: { consecutiveFailures: 1, openMs: 1_000 } },
      }),
  };
}

async function suspensionChapter(
  narrator: Narrator,
  identity: Identity,
  world: World,
  entra: EntraEmulator,
  spare: Spare,
): Promise<void> {
  narrator.chapter("A foreign provider suspends a person");
  const caseFiles = new Map<string, string[]>(); // the application's own data, keyed by app user
  const atEntra = await narrator.step("Ada signs in through Microsoft Entra ID", () =>
    signIn(identity, world.ada, ENTRA_REDIRECT),
  );
  caseFiles.set(atEntra.appUserId, ["witness list (draft)", "evidence index"]);
  narrator.say(`app user ${atEntra.appUserId} · ${caseFiles.get(atEntra.appUserId)?.length} case files`);

  await narrator.step("Microsoft disables Ada's account", async () =>
    // Microsoft acting on an order from outside: nothing in the tenant's own audit log.
    entra.setUserState(world.ada.oid, "disabled", { audit: false }),
  );
  const alternatives = await narrator.step("The app refreshes Ada's session and is refused", async () => {
    const err = await identity.refresh(atEntra).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isIdSwitchError(err, "account_disabled"))
      throw new Error("Entra ID should have refused the refresh");
    return err.alternatives ?? [];
  });
  narrator.say(`account_disabled at entra · alternatives: ${JSON.stringify(alternatives)}`);
  if (alternatives[0] !== "eu") throw new Error("the spare should have been offered");
  narrator.say(`"Your Microsoft account is unavailable — sign in with EU Login"`);

  const atSpare = await narrator.step(`Ada signs in at the EU spare (${spare.label})`, () =>
    signIn(identity, world.adaAtSpare, spare.web.redirectUri, alternatives[0]),
  );
  if (atSpare.appUserId !== atEntra.appUserId)
    throw new Error("the spare's sign-in should be the same app user");
  narrator.say(`same app user ${atSpare.appUserId} · ${caseFiles.get(atSpare.appUserId)?.length} case files`);
}

async function outageChapter(narrator: Narrator, world: World, entra: EntraEmulator): Promise<void> {
  narrator.chapter("Microsoft Entra ID becomes unreachable");
  const daemons = world.daemons();
  const events: string[] = [];
  daemons.on("failover", (e) => events.push(`${e.from} → ${e.to}`));
  daemons.on("provider-up", (e) => events.push(`${e.provider} up`));
  const scope = { entra: world.entraScope };
  const issuerOf = (tokens: TokenSet) =>
    JSON.parse(atob(tokens.accessToken.split(".")[1]?.replace(/-/g, "+").replace(/_/g, "/") ?? ""))
      .iss as string;

  const before = await narrator.step("The sync job gets its token from Entra ID", () =>
    daemons.clientCredentials({ scope }),
  );
  narrator.say(`issuer ${issuerOf(before)}`);
  entra.fault({ endpoint: "all", mode: "refused" });
  const during = await narrator.step("Entra ID refuses connections: the token comes from the spare", () =>
    daemons.clientCredentials({ scope }),
  );
  narrator.say(`issuer ${issuerOf(during)} · ${tally(events)}`);
  if (issuerOf(during) === issuerOf(before)) throw new Error("the token should have come from the spare");
  await narrator.step("The breaker is open: the next token costs no wait on Entra ID", () =>
    daemons.clientCredentials({ scope }),
  );
  entra.clearFaults();
  const back = await narrator.step(
    "Entra ID is back: a probe closes the breaker, traffic returns",
    async () => {
      for (let attempt = 0; attempt < 40; attempt++) {
        const tokens = await daemons.clientCredentials({ scope });
        if (issuerOf(tokens) === issuerOf(before)) return tokens;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error("traffic did not return to Entra ID");
    },
  );
  narrator.say(`issuer ${issuerOf(back)} · ${tally(events)}`);
  await daemons.close();
}

/** Events in order, a run of the same one told once with its count: every call that moved is a failover event. */
function tally(events: readonly string[]): string {
  const runs: Array<{ event: string; count: number }> = [];
  for (const event of events) {
    const last = runs.at(-1);
    if (last?.event === event) last.count += 1;
    else runs.push({ event, count: 1 });
  }
  return runs.map((r) => (r.count > 1 ? `${r.event} ×${r.count}` : r.event)).join(", ");
}

async function signIn(
  identity: Identity,
  person: { readonly username: string; readonly password: string },
  redirectUri: string,
  provider?: string,
): Promise<IdentitySession> {
  const request = await identity.beginLogin(provider === undefined ? {} : { provider });
  const result = await signInWithPassword(request.url.href, person, { redirectUriPrefix: redirectUri });
  if (!("callbackUrl" in result)) throw new Error(`the sign-in page refused: ${result.error}`);
  return identity.completeLogin(result.callbackUrl, request.state);
}
