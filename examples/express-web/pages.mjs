// @ts-check
/** The example's HTML, kept apart from its wiring. Everything from a request is escaped. */

/** @param {unknown} value */
export const esc = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** @param {string} title @param {string} body */
export const page = (title, body) =>
  `<!doctype html><meta charset="utf-8"><title>${esc(title)}</title>
<body style="font-family: system-ui; max-width: 40rem; margin: 2rem auto">
<h1>${esc(title)}</h1>${body}</body>`;

const logout = `<form method="post" action="/auth/logout"><button>Sign out</button></form>`;

/** @param {string[] | undefined} accounts */
export const home = (accounts) =>
  page(
    "idswitch + Express",
    `<p><a href="/auth/login?returnTo=/me">Sign in</a> (Entra ID first; if it is down, the EU provider)</p>
<p><a href="/auth/login?provider=eu&returnTo=/me">Sign in with the EU provider</a></p>
${
  accounts
    ? `<p>Emulated accounts:</p><ul>${accounts.map((a) => `<li><code>${esc(a)}</code></li>`).join("")}</ul>
<form method="post" action="/demo/outage"><button name="down" value="1">Entra ID goes down</button>
<button name="down" value="0">Entra ID comes back</button></form>
<form method="post" action="/demo/suspend"><button>Entra ID suspends Ada</button></form>`
    : ""
}`,
  );

/** @param {import("idswitch").IdentitySession} session */
export const me = (session) =>
  page(
    `Hello, ${session.principal.name ?? session.principal.username ?? "you"}`,
    `<p>App user <code>${esc(session.appUserId)}</code>, signed in at <b>${esc(session.provider)}</b>.</p>
<p><a href="/auth/login?provider=eu&link=1&returnTo=/me">Also sign in with the EU provider</a> (links it as a spare)</p>
${logout}`,
  );

/** @param {URLSearchParams} query */
export const chooser = (query) => {
  const alternatives = (query.get("alternatives") ?? "").split(",").filter(Boolean);
  const returnTo = query.get("returnTo") ?? "/me";
  const links = alternatives.map(
    (id) =>
      `<li><a href="/auth/login?${esc(new URLSearchParams({ provider: id, returnTo }))}">Sign in with ${esc(id)}</a></li>`,
  );
  return page(
    "Choose another way to sign in",
    `<p>${esc(query.get("provider") ?? "Your provider")} refused: <code>${esc(query.get("error"))}</code>.</p>
${links.length ? `<ul>${links.join("")}</ul>` : `<p><a href="/auth/login?returnTo=/me">Sign in again</a></p>`}`,
  );
};
