import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, BASE, expectNoHorizontalScroll, launch, openPage, PHONE, screenshot, signInWithPicker } from "./browser";

/** The copilot on a technician's job page: streamed answers, citations that lead to the record, resume after a cut. */
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const JOB = "J-3034";
const QUESTION = "What happened to the RTU-2 contactor?";

/** The same question over REST: the extractive copilot answers the same question the same way. */
async function restAnswer(question: string, jobId: string): Promise<{ answer: string; citations: { ref: string }[] }> {
  const res = await fetch(`${BASE}/v1/copilot/ask`, {
    method: "POST",
    headers: { "x-user-id": "ana.tech", "content-type": "application/json" },
    body: JSON.stringify({ question, jobId }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { answer: string; citations: { ref: string }[] };
}

async function ask(page: Page, question: string): Promise<void> {
  await page.getByLabel("Your question about this job").fill(question);
  await page.getByRole("button", { name: "Ask", exact: true }).click();
}

const lastAnswer = (page: Page) => page.locator(".turn").last();

describe("the copilot on a job page", () => {
  it("streams a grounded answer whose citation chips jump to the cited note", async () => {
    const context = await browser.newContext(PHONE);
    const { page, problems } = await openPage(context);
    await signInWithPicker(page, "Acme Heating & Cooling", "ana.tech");
    await page.goto(`${BASE}/jobs/${JOB}`);
    await page.getByText("Connected").waitFor();
    await ask(page, QUESTION);
    const turn = lastAnswer(page);
    await turn.locator(".citations").waitFor();
    const expected = await restAnswer(QUESTION, JOB);
    expect(await turn.locator(".answer").textContent()).toBe(expected.answer);
    const chips = await turn.locator(".chip").allTextContents();
    expect(chips).toEqual(expected.citations.map((c) => c.ref));
    const note = expected.citations.find((c) => c.ref.startsWith("note:"));
    if (!note) throw new Error("the answer cites no note");
    await turn.scrollIntoViewIfNeeded();
    await screenshot(page, "technician-copilot-phone");
    await turn.locator(".chip", { hasText: note.ref }).click();
    const target = await page.evaluate(() => document.querySelector(":target")?.id ?? null);
    expect(target).toBe(`note-${note.ref.slice("note:".length)}`);
    await expectNoHorizontalScroll(page);
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("says plainly when no records say it", async () => {
    const context = await browser.newContext(PHONE);
    const { page, problems } = await openPage(context);
    await signInWithPicker(page, "Acme Heating & Cooling", "ana.tech");
    await page.goto(`${BASE}/jobs/${JOB}`);
    await page.getByText("Connected").waitFor();
    await ask(page, "What is the airspeed velocity of an unladen swallow?");
    await lastAnswer(page).getByText("No records say this.").waitFor();
    expect(await lastAnswer(page).locator(".chip").count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("resumes an answer cut off by a dropped connection: the text is exact, nothing repeated or missing", async () => {
    const context = await browser.newContext(PHONE);
    const { page, problems } = await openPage(context);
    let sockets = 0;
    let cut = false;
    // The socket that carries the answer's first delta is cut right after that delta reaches the
    // page (the rest never does); every other socket, the reconnection included, passes through.
    await page.routeWebSocket(/\/v1\/realtime/, (ws) => {
      const server = ws.connectToServer();
      sockets++;
      let cutHere = false;
      server.onMessage((message) => {
        if (cutHere) return;
        ws.send(message);
        if (!cut && typeof message === "string" && message.includes('"type":"delta"')) {
          cut = cutHere = true;
          ws.close({ code: 4000, reason: "cut by the test" });
          server.close();
        }
      });
    });
    await signInWithPicker(page, "Acme Heating & Cooling", "ana.tech");
    await page.goto(`${BASE}/jobs/${JOB}`);
    await page.getByText("Connected").waitFor();
    await ask(page, QUESTION);
    const turn = lastAnswer(page);
    await turn.locator(".citations").waitFor({ timeout: 30_000 });
    expect(cut).toBe(true);
    expect(sockets).toBeGreaterThanOrEqual(2);
    const expected = await restAnswer(QUESTION, JOB);
    expect(await turn.locator(".answer").textContent()).toBe(expected.answer);
    expect(problems).toEqual([]);
    await context.close();
  });
});
