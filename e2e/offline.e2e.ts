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
    // Its brief has come in (the worker keeps what the page read).
    await page
      .locator(".brief")
      .getByRole("link", { name: /^Source: / })
      .first()
      .waitFor();
    expect(await page.evaluate(dataCaches)).toEqual(["fieldpilot-data-v1:dev|ana.tech"]);

    await context.setOffline(true);
    await page.reload();
    await page.getByRole("heading", { level: 1, name: opened.title }).waitFor();
    await page.getByRole("heading", { name: /^Notes/ }).waitFor();
    // Its brief too, with its sources.
    await page.getByRole("heading", { name: "Before you go" }).waitFor();
    await page
      .locator(".brief")
      .getByRole("link", { name: /^Source: / })
      .first()
      .waitFor();
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

  it("queues a note written offline, shows it waiting, and sends it exactly once, even when an answer is lost", async () => {
    const all = await devApi<JobPage>("dan.dispatch", "/v1/jobs?limit=200");
    const job = all.jobs.find((j) => j.assignees.includes("ana.tech"));
    if (!job) throw new Error("ana.tech has no job");
    const text = `Offline note ${Date.now().toString(36)}: gate code changed, ask the owner`;

    const context = await browser.newContext(PHONE);
    const { page, problems } = await openPage(context);
    await signInWithPicker(page, "Acme Heating & Cooling", "ana.tech");
    await page.goto(`${BASE}/jobs/${job.id}`);
    await page.getByRole("heading", { level: 1, name: job.title }).waitFor();

    await context.setOffline(true);
    await page.getByLabel("Add a note").fill(text);
    await page.getByRole("button", { name: "Add note" }).click();
    const waiting = page.getByRole("list", { name: "Notes not sent yet" });
    await waiting.getByText(text).waitFor();
    await waiting.getByText("Waiting for the network").waitFor();

    // The first send reaches the server, but its answer is lost on the way back.
    let sends = 0;
    await page.route(/\/v1\/jobs\/[^/]+\/notes$/, async (route) => {
      sends++;
      if (sends === 1) {
        await route.fetch();
        await route.abort("connectionreset");
      } else {
        await route.continue();
      }
    });
    await context.setOffline(false);
    await expect.poll(() => sends).toBe(1);
    await waiting.getByText("Waiting for the network").waitFor();
    // Back online once more (the phone found the network again): the same key goes out again.
    await context.setOffline(true);
    await context.setOffline(false);
    await expect.poll(() => sends, { timeout: 20_000 }).toBe(2);
    await expect.poll(() => page.getByRole("list", { name: "Notes not sent yet" }).count()).toBe(0);

    const after = await devApi<{ notes: { body: string }[] }>("ana.tech", `/v1/jobs/${job.id}/context`);
    expect(after.notes.filter((n) => n.body === text)).toHaveLength(1);
    await page.locator(".notes").getByText(text).waitFor();
    // The browser logs the failures this test causes (offline, the reset answer); nothing else.
    expect(problems.filter((p) => !/net::ERR_(INTERNET_DISCONNECTED|CONNECTION_RESET)/.test(p))).toEqual([]);
    await context.close();
  });
});
