import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, devApi, launch, openPage, PHONE, signInWithPicker } from "./browser";

/** On the job site without a network: the jobs a technician opened stay readable; sign-out forgets them. */
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

const dataCaches = () => caches.keys().then((names) => names.filter((n) => n.startsWith("fieldpilot-data")));

describe("offline", () => {
  it("keeps an opened job readable without a network, not one never opened, and forgets them on sign-out", async () => {
    const all = await devApi<JobPage>("dan.dispatch", "/v1/jobs?limit=200");
    const mine = all.jobs.filter((j) => j.assignees.includes("ana.tech"));
    const [opened, notOpened] = mine;
    if (!opened || !notOpened) throw new Error("ana.tech needs two jobs");

    const context = await browser.newContext(PHONE);
    const { page } = await openPage(context);
    await signInWithPicker(page, "Acme Heating & Cooling", "ana.tech");
    // The technician has used the app before on this phone: the worker controls the page from its start.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await page.reload();
    await page.locator(".job-card", { hasText: opened.id }).click();
    await page.getByRole("heading", { level: 1, name: opened.title }).waitFor();
    expect(await page.evaluate(dataCaches)).toEqual(["fieldpilot-data-v1:dev|ana.tech"]);

    await context.setOffline(true);
    await page.reload();
    await page.getByRole("heading", { level: 1, name: opened.title }).waitFor();
    await page.getByRole("heading", { name: /^Notes/ }).waitFor();
    await page
      .getByText(/Offline|reconnecting/)
      .first()
      .waitFor();

    await page.goto(`${BASE}/jobs/${notOpened.id}`);
    await page
      .getByRole("alert")
      .getByText(/No connection/)
      .waitFor();

    await context.setOffline(false);
    await page.goto(`${BASE}/`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to FieldPilot" }).waitFor();
    await expect.poll(() => page.evaluate(dataCaches)).toEqual([]);
    await context.close();
  });
});
