/**
 * `readinessHtml()`: one self-contained page for the people who decide. It must load nothing (no script,
 * no stylesheet or image by URL, a CSP that forbids any fetch), show the funnel and the kinds as bars in
 * proportion, and never let a name from the directory become markup.
 */
import { describe, expect, it } from "vitest";
import { type ReadinessReport, readinessHtml } from "../../src/directory/index.js";

const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";

function report(overrides: Partial<ReadinessReport> = {}): ReadinessReport {
  return {
    generatedAt: "2026-12-03T14:00:00.000Z",
    totals: {
      users: 200,
      ready: 150,
      notReady: 50,
      missing: 10,
      disabled: 0,
      "no-credential": 40,
      "email-unverified": 0,
      "groups-differ": 0,
      "roles-differ": 0,
    },
    gaps: Array.from({ length: 50 }, (_, i) => ({
      key: `${TID}:gap${i}`,
      userPrincipalName: `gap${i}@contoso.com`,
      enabledAtSource: i >= 5,
      problems: ["no-credential"],
    })),
    quarantined: [],
    credentials: { passkey: 100, otp: 20, password: 30, brokered: 0, other: 0, none: 50 },
    funnel: { people: 195, mirrored: 185, invited: 160, registered: 150, invitedRegistered: 140 },
    people: [],
    recoveryAtRisk: [
      {
        key: `${TID}:x`,
        userPrincipalName: `<script>alert("x")</script>@contoso.com`,
        email: "x@contoso.com",
        domain: "contoso.com",
        kind: "password",
      },
    ],
    ...overrides,
  };
}

/** The width of the coloured bar next to `label` in the page's SVG. */
function barWidth(page: string, label: string): number {
  const at = page.indexOf(`>${label}</text>`);
  const bar = /<rect [^>]*width="(\d+)"[^>]*fill="#eaeef2"\/><rect [^>]*width="(\d+)"/.exec(page.slice(at));
  if (at < 0 || !bar) throw new Error(`no bar for ${label}`);
  return Number(bar[2]) / Number(bar[1]);
}

describe("readinessHtml", () => {
  it("loads nothing: no script, no URL, no external style; a CSP that forbids fetching", () => {
    const page = readinessHtml(report(), { title: "Entra tenant contoso → Keycloak realm acme" });
    expect(page.startsWith("<!doctype html>")).toBe(true);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/\s(src|href|action|srcset|xlink:href|xmlns)=/i);
    expect(page).not.toMatch(/\son[a-z]+=/i); // no event handler attributes
    expect(page).not.toMatch(/url\(|@import|https?:|\/\//i);
    expect(page).toContain("<style>");
    expect(page).toContain("<svg");
  });

  it("a name from the directory is text, never markup", () => {
    const page = readinessHtml(report());
    expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;@contoso.com");
    expect(page).not.toContain(`<script>alert`);
    const hostile = readinessHtml(report(), { title: `"><img src=x onerror=alert(1)>` });
    expect(hostile).not.toMatch(/<img/i);
  });

  it("the headline counts people enabled at Entra who could sign in today", () => {
    // 195 enabled at Entra, 45 of the gaps enabled there.
    expect(readinessHtml(report())).toContain("<b>150</b> of 195 people enabled at Entra could sign in");
  });

  it("bars in proportion: the funnel against the people enabled at Entra, the kinds against everyone", () => {
    const page = readinessHtml(report());
    expect(barWidth(page, "enabled at Entra")).toBe(1);
    expect(barWidth(page, "invited")).toBeCloseTo(160 / 195, 2);
    expect(barWidth(page, "registered")).toBeCloseTo(150 / 195, 2);
    expect(barWidth(page, "passkey")).toBeCloseTo(0.5, 2);
    expect(barWidth(page, "nothing yet")).toBeCloseTo(0.25, 2);
    expect(page).toContain("100 (50%)");
    expect(page).toContain("20 invited people have not registered yet");
  });

  it("the recovery-at-risk section only when someone is at risk, names capped", () => {
    expect(readinessHtml(report({ recoveryAtRisk: [] }))).not.toContain("Recovery at risk");
    const many = Array.from({ length: 30 }, (_, i) => ({
      key: `${TID}:r${i}`,
      userPrincipalName: `r${i}@contoso.com`,
      email: `r${i}@contoso.com`,
      domain: "contoso.com",
      kind: "none" as const,
    }));
    const page = readinessHtml(report({ recoveryAtRisk: many }), { maxNames: 5 });
    expect(page).toContain("<b>30</b> people could only get back in through a mailbox at contoso.com");
    expect(page.match(/<tr><td>/g)).toHaveLength(5);
    expect(page).toContain("… and 25 more.");
  });

  it("an empty directory draws empty bars, not NaN", () => {
    const empty = report({
      totals: { ...report().totals, users: 0, ready: 0, notReady: 0, missing: 0, "no-credential": 0 },
      gaps: [],
      credentials: { passkey: 0, otp: 0, password: 0, brokered: 0, other: 0, none: 0 },
      funnel: { people: 0, mirrored: 0, invited: 0, registered: 0, invitedRegistered: 0 },
      recoveryAtRisk: [],
    });
    expect(readinessHtml(empty)).not.toContain("NaN");
  });
});
