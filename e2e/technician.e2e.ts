import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, BASE, devApi, expectNoHorizontalScroll, launch, openPage, PHONE, screenshot, signInWithPicker } from "./browser";

/** A technician on a phone: signs in with the dev picker, sees their jobs, opens one, cannot open another's. */
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

interface JobPage {
  jobs: { id: string; title: string; assignees: string[] }[];
}

describe("the technician's phone app", () => {
  it("serves the app shell with a strict CSP at / and at a client route", async () => {
    for (const path of ["/", "/jobs/J-3034"]) {
      const res = await fetch(`${BASE}${path}`, { headers: { accept: "text/html", "sec-fetch-mode": "navigate" } });
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain('<div id="app">');
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    }
    // The API and sign-in are the Worker's, never the shell's, even for a browser's navigation.
    for (const path of ["/v1/jobs", "/auth/nothing-here"]) {
      const api = await fetch(`${BASE}${path}`, { headers: { accept: "text/html", "sec-fetch-mode": "navigate" } });
      expect([401, 404], path).toContain(api.status);
      expect(api.headers.get("content-type"), path).toContain("application/problem+json");
    }
  });

  it("signs in with the picker, lists only the technician's jobs, and opens one with its notes and timeline", async () => {
    const context = await browser.newContext(PHONE);
    const { page, problems } = await openPage(context);
    await signInWithPicker(page, "Acme Heating & Cooling", "ana.tech");
    await page.getByRole("heading", { name: "My jobs" }).waitFor();

    const all = await devApi<JobPage>("dan.dispatch", "/v1/jobs?limit=200");
    const mine = all.jobs.filter((j) => j.assignees.includes("ana.tech"));
    expect(mine.length).toBeGreaterThan(0);
    await page.locator(".job-card").first().waitFor();
    const shown = await page.locator(".job-card .job-id").allTextContents();
    expect(shown.sort()).toEqual(mine.map((j) => j.id).sort());
    await expectNoHorizontalScroll(page);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, "technician-jobs-phone");

    const job = mine[0];
    if (!job) throw new Error("no job assigned to ana.tech");
    await page.locator(".job-card", { hasText: job.id }).click();
    await page.getByRole("heading", { level: 1, name: job.title }).waitFor();
    expect(page.url()).toBe(`${BASE}/jobs/${job.id}`);
    await page.getByRole("heading", { name: /^Notes/ }).waitFor();
    await page.getByRole("heading", { name: "Timeline" }).waitFor();
    const context2 = await devApi<{ notes: { id: string }[] }>("ana.tech", `/v1/jobs/${job.id}/context`);
    for (const note of context2.notes) expect(await page.locator(`#note-${note.id}`).count(), note.id).toBe(1);
    await expectNoHorizontalScroll(page);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, "technician-job-phone");

    // A reload of a client route comes back to the same page (the shell, then the app).
    await page.reload();
    await page.getByRole("heading", { level: 1, name: job.title }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows the pre-arrival brief on J-3034, each sentence with a chip that highlights the record it quotes", async () => {
    const context = await browser.newContext(PHONE);
    const { page, problems } = await openPage(context);
    await signInWithPicker(page, "Acme Heating & Cooling", "ana.tech");
    await page.goto(`${BASE}/jobs/J-3034`);
    const brief = page.locator("section.brief");
    await brief.getByRole("heading", { name: "Before you go" }).waitFor();
    await brief.locator(".brief-access .chip").first().waitFor();
    const expected = await devApi<{ sections: { key: string; title: string; sentences: { citation: { ref: string } | null }[] }[] }>(
      "ana.tech",
      "/v1/jobs/J-3034/brief",
    );
    // The job page shows the job itself: its brief leaves out the "job" section.
    const shown = expected.sections.filter((s) => s.key !== "job");
    const headings = await brief.getByRole("heading", { level: 3 }).allTextContents();
    expect(headings).toEqual(shown.map((s) => s.title));
    expect(await brief.locator(".brief-job").count()).toBe(0);
    for (const section of shown) {
      const chips = await brief.locator(`.brief-${section.key} .chip`).allTextContents();
      expect(chips, section.key).toEqual(section.sentences.flatMap((x) => (x.citation ? [x.citation.ref] : [])));
    }
    // The access note written on this job is on this page: its chip jumps to it and highlights it.
    await brief.locator(".brief-access .chip", { hasText: "note:N-4214" }).first().click();
    expect(await page.evaluate(() => document.querySelector(":target")?.id ?? null)).toBe("note-N-4214");
    const outline = await page.locator("#note-N-4214").evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).toBe("solid");
    await expectNoHorizontalScroll(page);
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("cannot open a job assigned to someone else: the page says it is not found, with a request id", async () => {
    const all = await devApi<JobPage>("dan.dispatch", "/v1/jobs?limit=200");
    const other = all.jobs.find((j) => !j.assignees.includes("ana.tech"));
    if (!other) throw new Error("every job is assigned to ana.tech");
    const context = await browser.newContext(PHONE);
    const { page, problems } = await openPage(context);
    await signInWithPicker(page, "Acme Heating & Cooling", "ana.tech");
    await page.goto(`${BASE}/jobs/${other.id}`);
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(new RegExp(`job ${other.id} not found \\(request [0-9a-f-]{36}\\)`));
    expect(await page.getByText(other.title).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("signs out: the session cookie is gone and the API refuses the old page", async () => {
    const context = await browser.newContext(PHONE);
    const { page } = await openPage(context);
    await signInWithPicker(page, "Acme Heating & Cooling", "ana.tech");
    const before = await context.cookies(BASE);
    const session = before.find((c) => c.name === "__Host-fieldpilot-session");
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
    // HttpOnly: page JavaScript cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain("fieldpilot-session");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to FieldPilot" }).waitFor();
    expect((await context.cookies(BASE)).some((c) => c.name === "__Host-fieldpilot-session")).toBe(false);
    expect(await page.evaluate(async () => (await fetch("/v1/me")).status)).toBe(401);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });
});
