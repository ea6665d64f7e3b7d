import { readFile } from "node:fs/promises";
import type { Browser, Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, BASE, devApi, expectNoHorizontalScroll, launch, openPage, screenshot, signInWithPicker } from "./browser";

/**
 * The admin console: members changed in the browser take effect on the member's next request; the
 * export downloads; the activity chart draws the metrics series; an auditor reads it all and changes nothing.
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const DESK = { viewport: { width: 1280, height: 900 }, acceptDownloads: true };

/** What the activity chart draws: its steps, and the requests they count (from the steps' data). */
async function chartData(chart: Locator): Promise<{ steps: number; total: number }> {
  const counts = await chart.locator("g.chart-step").evaluateAll((steps) => steps.map((g) => Number(g.getAttribute("data-count"))));
  return { steps: counts.length, total: counts.reduce((n, c) => n + c, 0) };
}

describe("the admin console", () => {
  it("adds a member, who can sign in; removes them, and their next request fails", async () => {
    const newcomer = `temp.tech-${Date.now().toString(36)}`;
    const admin = await openPage(await browser.newContext(DESK));
    await signInWithPicker(admin.page, "Acme Heating & Cooling", "alice.admin");
    await admin.page.getByRole("link", { name: "Admin" }).click();
    await admin.page.getByRole("heading", { name: "Members" }).waitFor();
    await admin.page.getByLabel("User id (the identity provider's subject)").fill(newcomer);
    await admin.page.getByRole("button", { name: "Add", exact: true }).click();
    await admin.page.getByText(newcomer, { exact: true }).waitFor();

    const member = await openPage(await browser.newContext({ viewport: { width: 360, height: 780 } }));
    await signInWithPicker(member.page, "Acme Heating & Cooling", newcomer);
    await member.page.getByRole("heading", { name: "My jobs" }).waitFor();

    admin.page.once("dialog", (dialog) => void dialog.accept());
    await admin.page.locator(".member", { hasText: newcomer }).getByRole("button", { name: "Remove" }).click();
    await expect.poll(() => admin.page.getByText(newcomer, { exact: true }).count()).toBe(0);

    // The session cookie is still there, but the tenant object decides: the next call is refused.
    await member.page.reload();
    const alert = member.page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/not a member|no longer|any tenant/i);
    expect(await alert.textContent()).toMatch(/request [0-9a-f-]{36}/);

    expect(await axeViolations(admin.page)).toEqual([]);
    await screenshot(admin.page, "admin-members");
    for (const p of [admin, member]) expect(p.problems).toEqual([]);
    await admin.page.context().close();
    await member.page.context().close();
  });

  it("shows the audit log with its chain verified, downloads the export, and charts the activity over time for every route or one", async () => {
    const admin = await openPage(await browser.newContext(DESK));
    await signInWithPicker(admin.page, "Acme Heating & Cooling", "alice.admin");
    await admin.page.goto(`${BASE}/admin`);
    await admin.page.getByText(/^Hash chain verified: \d+ entries/).waitFor();
    const entries = admin.page.getByRole("region", { name: "Audit entries" });
    expect(await entries.locator("tbody tr").count()).toBeGreaterThan(0);
    await admin.page.getByLabel("Action").fill("member.remove");
    await admin.page.getByRole("button", { name: "Filter" }).click();
    await expect
      .poll(async () => [...new Set(await entries.locator("tbody td:nth-child(4)").allTextContents())])
      .toEqual(["member.remove"]);

    const [download] = await Promise.all([
      admin.page.waitForEvent("download"),
      admin.page.getByRole("button", { name: "Download the export" }).click(),
    ]);
    const file = await download.path();
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ type: "header", tenant: { id: "acme-hvac" } });
    expect(JSON.parse(lines.at(-1) ?? "{}")).toMatchObject({ type: "footer" });
    await admin.page.getByText(/^Downloaded .+\.ndjson/).waitFor();

    // The activity over time: the last hour's 12 steps, their total in the chart's accessible name.
    const chart = admin.page.getByRole("img", { name: /^Requests per 5 minutes over the last hour, all routes: \d+ requests/ });
    await chart.waitFor();
    const drawn = await chartData(chart);
    expect(drawn.steps).toBe(12);
    expect(drawn.total).toBeGreaterThan(0);
    expect(await chart.getAttribute("aria-label")).toContain(`all routes: ${drawn.total} requests`);
    expect(await chart.locator("rect.chart-requests").count()).toBeGreaterThan(0);
    // What the API says a moment later: at least as many (this page's own calls arrive meanwhile).
    const after = await devApi<{ series: { points: { count: number }[] } }>("alice.admin", "/v1/admin/metrics?window=hour");
    expect(after.series.points.reduce((n, p) => n + p.count, 0)).toBeGreaterThanOrEqual(drawn.total);

    // One route, chosen in the table: the chart counts exactly what the table says of it (same report).
    const perRoute = admin.page.getByRole("region", { name: "Requests per route" });
    const firstRow = perRoute.locator("tbody tr").first();
    const route = (await firstRow.getByRole("button").textContent()) ?? "";
    await firstRow.getByRole("button").click();
    const routeChart = admin.page.getByRole("img", {
      name: new RegExp(`over the last hour, ${route.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: `),
    });
    await routeChart.waitFor();
    expect(await admin.page.getByRole("combobox", { name: /^Route\b/ }).inputValue()).toBe(route);
    const routeRow = perRoute.locator("tbody tr", { has: admin.page.getByRole("button", { name: route, exact: true }) });
    expect((await chartData(routeChart)).total).toBe(
      Number((await routeRow.locator("td").nth(1).textContent())?.trim().split(/\s+/).pop()),
    );
    // And back to every route with the selector.
    await admin.page.getByRole("combobox", { name: /^Route\b/ }).selectOption("");
    await admin.page.getByRole("img", { name: /over the last hour, all routes: / }).waitFor();
    expect(await axeViolations(admin.page)).toEqual([]);

    // The filtered audit log (its chain verified) with the chart below it, for the README.
    await admin.page.evaluate(() => document.getElementById("audit-title")?.scrollIntoView());
    await screenshot(admin.page, "admin-audit");

    await admin.page.setViewportSize({ width: 360, height: 780 });
    await expectNoHorizontalScroll(admin.page);
    expect(admin.problems).toEqual([]);
    await admin.page.context().close();
  });

  it("edits the settings as read, stores a provider key shown only masked, rebuilds the index with progress, and shows activity", async () => {
    const admin = await openPage(await browser.newContext(DESK));
    await signInWithPicker(admin.page, "Acme Heating & Cooling", "alice.admin");
    await admin.page.goto(`${BASE}/admin`);
    const retention = admin.page.getByLabel("Keep copilot conversations, days (empty: no limit)");
    await retention.waitFor();
    await retention.fill("45");
    await admin.page.getByRole("button", { name: "Save settings" }).click();
    await admin.page.getByText("Settings saved.").waitFor();
    const settings = await devApi<{ chatRetentionDays: number | null }>("alice.admin", "/v1/admin/settings");
    expect(settings.chatRetentionDays).toBe(45);

    const secret = `sk-e2e-${Date.now().toString(36)}-not-a-real-key-000000`;
    await admin.page.getByLabel("New key").fill(secret);
    await admin.page.getByRole("button", { name: /^(Store|Replace)$/ }).click();
    await admin.page.getByText(/^Stored: /).waitFor();
    expect(await admin.page.content()).not.toContain(secret);

    await admin.page.getByRole("button", { name: "Rebuild the index" }).click();
    await admin.page.getByText(/^Rebuild done/).waitFor({ timeout: 30_000 });
    await admin.page.getByText(/records indexed \(100%\)/).waitFor();

    await admin.page.getByRole("region", { name: "Requests per route" }).waitFor();
    expect(await axeViolations(admin.page)).toEqual([]);
    expect(admin.problems).toEqual([]);
    await admin.page.context().close();
  });

  it("shows an auditor the console read-only: members, audit log, activity and settings, nothing to change", async () => {
    const auditor = await openPage(await browser.newContext(DESK));
    await signInWithPicker(auditor.page, "Acme Heating & Cooling", "aud.acme");
    await auditor.page.goto(`${BASE}/admin`);
    await auditor.page.getByText(/^Hash chain verified: \d+ entries/).waitFor();
    await auditor.page.getByRole("img", { name: /^Requests per 5 minutes over the last hour, all routes: \d+ requests/ }).waitFor();
    await auditor.page.getByLabel("Keep copilot conversations, days (empty: no limit)").waitFor();
    expect(await auditor.page.getByLabel("Keep copilot conversations, days (empty: no limit)").isDisabled()).toBe(true);
    for (const name of ["Add", "Remove", "Save settings", "Rebuild the index", "Download the export"])
      expect(await auditor.page.getByRole("button", { name, exact: true }).count(), name).toBe(0);
    expect(await axeViolations(auditor.page)).toEqual([]);
    await screenshot(auditor.page, "auditor-admin");

    await auditor.page.setViewportSize({ width: 360, height: 780 });
    await expectNoHorizontalScroll(auditor.page);
    expect(auditor.problems).toEqual([]);
    await auditor.page.context().close();
  });
});
