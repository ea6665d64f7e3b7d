import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, BASE, devApi, expectNoHorizontalScroll, launch, openPage, PHONE, screenshot, signInWithPicker } from "./browser";

/** The dispatcher's board and job edits, seen live by the technician. */
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const DESK = { viewport: { width: 1280, height: 900 } };

interface JobPage {
  jobs: { id: string; title: string; assignees: string[]; status: string }[];
}

describe("the dispatcher", () => {
  it("reassigns a job and the technician's open page shows it at once; a stale edit is refused and says so", async () => {
    const all = await devApi<JobPage>("dan.dispatch", "/v1/jobs?limit=200");
    const job = all.jobs.find((j) => j.assignees.includes("ana.tech") && !j.assignees.includes("ben.tech") && j.status !== "completed");
    if (!job) throw new Error("no open job of ana.tech without ben.tech");

    const tech = await openPage(await browser.newContext(PHONE));
    await signInWithPicker(tech.page, "Acme Heating & Cooling", "ana.tech");
    await tech.page.goto(`${BASE}/jobs/${job.id}`);
    await tech.page.getByText("Connected").waitFor();
    expect(await tech.page.getByTestId("assignees").textContent()).not.toContain("ben.tech");

    const deskContext = await browser.newContext(DESK);
    const desk = await openPage(deskContext);
    await signInWithPicker(desk.page, "Acme Heating & Cooling", "dan.dispatch");
    await desk.page.goto(`${BASE}/jobs/${job.id}`);
    // A second tab of the dispatcher, opened on the same job before the first one saves.
    const other = await openPage(deskContext);
    await other.page.goto(`${BASE}/jobs/${job.id}`);
    await other.page.getByLabel("Assignees (user ids, comma-separated)").waitFor();

    const field = desk.page.getByLabel("Assignees (user ids, comma-separated)");
    await field.fill(`${job.assignees.join(", ")}, ben.tech`);
    await desk.page.getByRole("button", { name: "Save" }).click();
    await desk.page.getByText("Saved.").waitFor();

    // The technician's page reloads on job.updated.
    await tech.page
      .getByTestId("assignees")
      .getByText(/ben\.tech/)
      .waitFor({ timeout: 10_000 });

    // The other tab still holds the old ETag: its change is refused and nothing is written.
    await other.page.getByLabel("Priority").selectOption("low");
    await other.page.getByRole("button", { name: "Save" }).click();
    await other.page.getByText("Someone else changed this job").waitFor();
    const after = await devApi<{ priority: string; assignees: string[] }>("dan.dispatch", `/v1/jobs/${job.id}`);
    expect(after.priority).not.toBe("low");
    expect(after.assignees).toContain("ben.tech");

    for (const p of [tech, desk, other]) expect(p.problems).toEqual([]);
    await tech.page.context().close();
    await deskContext.close();
  });

  it("filters the board, searches with snippets, and sees who is online", async () => {
    const tech = await openPage(await browser.newContext(PHONE));
    await signInWithPicker(tech.page, "Acme Heating & Cooling", "ben.tech");
    await tech.page.goto(`${BASE}/jobs`);

    const desk = await openPage(await browser.newContext(DESK));
    await signInWithPicker(desk.page, "Acme Heating & Cooling", "dan.dispatch");
    await desk.page.getByRole("link", { name: "Board" }).click();
    await desk.page.getByRole("heading", { name: "Job board" }).waitFor();
    await desk.page.getByText(/Online now: .*ben\.tech/).waitFor({ timeout: 10_000 });

    await desk.page.getByText(/^\d+ jobs?/).waitFor();
    await desk.page.getByLabel("Status").selectOption("completed");
    const others = async () =>
      (await desk.page.locator(".board .badge").allTextContents()).filter((s) => ["scheduled", "in progress", "cancelled"].includes(s));
    await expect.poll(others, { timeout: 10_000 }).toEqual([]);
    expect(await desk.page.locator(".board .badge", { hasText: "completed" }).count()).toBeGreaterThan(0);

    await desk.page.getByLabel("Search jobs, notes, clients and sites").fill("contactor");
    await desk.page.getByRole("button", { name: "Search" }).click();
    const results = desk.page.getByRole("region", { name: "Search results" });
    await results.waitFor();
    const snippets = await results.locator(".snippet").allTextContents();
    expect(snippets.length).toBeGreaterThan(0);
    expect(snippets.some((s) => /contactor/i.test(s))).toBe(true);
    expect(await axeViolations(desk.page)).toEqual([]);
    await screenshot(desk.page, "dispatcher-board");

    // The board on a phone too.
    await desk.page.setViewportSize({ width: 360, height: 780 });
    await expectNoHorizontalScroll(desk.page);
    for (const p of [tech, desk]) expect(p.problems).toEqual([]);
    await tech.page.context().close();
    await desk.page.context().close();
  });

  it("is told the session ended when a call is refused as unauthenticated, and signs in again", async () => {
    const desk = await openPage(await browser.newContext(DESK));
    await signInWithPicker(desk.page, "Acme Heating & Cooling", "dan.dispatch");
    await desk.page.getByRole("link", { name: "Board" }).click();
    await desk.page.getByRole("heading", { name: "Job board" }).waitFor();
    // The session cookie goes away under the open page (expired, or ended at the identity provider).
    await desk.page.context().clearCookies();
    await desk.page.getByLabel("Search jobs, notes, clients and sites").fill("contactor");
    await desk.page.getByRole("button", { name: "Search" }).click();
    await desk.page
      .getByRole("alert")
      .getByText(/Your session has ended: .*\(request [^)]+\)\. Sign in again to go on\./)
      .waitFor();
    await desk.page.getByRole("heading", { name: "Sign in to FieldPilot" }).waitFor();
    expect(await axeViolations(desk.page)).toEqual([]);
    await signInWithPicker(desk.page, "Acme Heating & Cooling", "dan.dispatch");
    expect(desk.problems).toEqual([]);
    await desk.page.context().close();
  });
});
