import { readFile } from "node:fs/promises";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, BASE, devApi, expectNoHorizontalScroll, launch, openPage, screenshot, signInWithPicker } from "./browser";

/** The admin console: members changed in the browser take effect on the member's next request; the export downloads. */
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const DESK = { viewport: { width: 1280, height: 900 }, acceptDownloads: true };

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
    await screenshot(admin.page, "admin-members-audit");
    for (const p of [admin, member]) expect(p.problems).toEqual([]);
    await admin.page.context().close();
    await member.page.context().close();
  });

  it("shows the audit log with its chain verified, and downloads the export", async () => {
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
});
