/**
 * The pages of `idswitch demo --open`: one home page that shows who is
 * signed in, the application's own data for that app user, and the buttons
 * that play each step of the story. Plain HTML, every value escaped.
 */

export interface HomeView {
  readonly signedIn:
    | {
        readonly appUserId: string;
        readonly provider: string;
        readonly name: string;
        readonly files: readonly string[];
      }
    | undefined;
  /** What the last action did, in one line. */
  readonly notice: string | undefined;
  /** After a refusal: the providers the person may sign in with instead. */
  readonly alternatives: readonly string[];
  readonly accounts: ReadonlyArray<{
    readonly where: string;
    readonly username: string;
    /** Undefined once the password was removed (the account signs in with a passkey alone). */
    readonly password: string | undefined;
  }>;
  /** Whether the spare offers passkeys, and whether Ada has enrolled one. */
  readonly passkeys: "unavailable" | "ready" | "enrolled";
  readonly entraState: "active" | "disabled";
  readonly entraReachable: boolean;
  readonly spareLabel: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const button = (action: string, label: string, field?: [string, string]) =>
  `<form method="post" action="${action}">${field ? `<input type="hidden" name="${field[0]}" value="${field[1]}">` : ""}<button>${escapeHtml(label)}</button></form>`;

function account(a: HomeView["accounts"][number]): string {
  const secret =
    a.password === undefined
      ? `<span class="passkey-only">no password: passkey only</span>`
      : `<code>${escapeHtml(a.password)}</code>`;
  return `<li>${escapeHtml(a.where)}: <code>${escapeHtml(a.username)}</code> / ${secret}</li>`;
}

export function homePage(view: HomeView): string {
  const who = view.signedIn
    ? `<p id="who">Signed in as <b>${escapeHtml(view.signedIn.name)}</b> through <b>${escapeHtml(view.signedIn.provider)}</b> · app user <code id="app-user">${escapeHtml(view.signedIn.appUserId)}</code></p>
<p>Case files of this app user: <span id="files">${view.signedIn.files.map(escapeHtml).join(", ")}</span></p>
${button("/refresh", "Refresh the session (as the app does on every request)")}
${view.passkeys === "unavailable" ? "" : button("/passkey/enrol", "Enrol a passkey at the spare")}
${button("/logout", "Sign out")}`
    : `<p id="who">Not signed in.</p><p><a id="sign-in" href="/login">Sign in</a> (the routing order starts at Microsoft Entra ID)</p>`;
  const chooser =
    view.alternatives.length > 0
      ? `<div id="chooser"><p>Your Microsoft account is unavailable. Sign in with:</p>${view.alternatives
          .map(
            (p) =>
              `<p><a class="alternative" href="/login?provider=${encodeURIComponent(p)}">${escapeHtml(p)} (${escapeHtml(view.spareLabel)})</a></p>`,
          )
          .join("")}</div>`
      : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>idswitch demo</title>
<style>body{font:16px system-ui;margin:2rem;max-width:48rem}form{display:inline-block;margin:.2rem}#notice{background:#eef;padding:.5rem}#chooser{background:#fee;padding:.5rem}code{font-size:90%}</style></head>
<body><h1>idswitch demo: case files</h1>
${view.notice ? `<p id="notice">${escapeHtml(view.notice)}</p>` : ""}
${chooser}
${who}
<h2>The story's controls</h2>
<p>Microsoft Entra ID: account <b id="entra-state">${view.entraState}</b>, service <b id="entra-reachable">${view.entraReachable ? "reachable" : "refusing connections"}</b></p>
${view.entraState === "active" ? button("/demo/suspend", "Microsoft disables Ada's account") : button("/demo/restore", "Microsoft re-enables Ada's account")}
${view.entraReachable ? button("/demo/outage", "Take Entra ID down", ["down", "1"]) : button("/demo/outage", "Bring Entra ID back", ["down", "0"])}
${button("/demo/service-token", "The sync job asks for a token (client credentials)")}
<h2>Demo accounts</h2>
<ul>${view.accounts.map(account).join("")}</ul>
<p>Passwords are made up for this run of the demo and live only in its emulators and the spare.${view.passkeys === "ready" ? " Enrol a passkey at the spare (signed in, the button above) to play the passkey story: the spare's password is then removed." : ""}</p>
</body></html>`;
}
