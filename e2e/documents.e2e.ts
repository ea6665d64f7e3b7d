import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { citationHref } from "../web/src/citations";
import { axeViolations, BASE, devApi, expectNoHorizontalScroll, launch, openPage, PHONE, screenshot, signInWithPicker } from "./browser";

/**
 * Documents and manuals: an admin uploads the tenant's documents (Admin → Documents), an auditor
 * reads the list and can change nothing, and a technician opens a citation of the shared library
 * and reads the cited passage as text (a chunk holding `<script>` shows it, and runs nothing).
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const ACME = "Acme Heating & Cooling";
const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

interface DocumentSummary {
  id: string;
  title: string;
  version: number;
  chunkCount: number;
}
interface DocumentDetail extends DocumentSummary {
  chunks: { id: string; headingPath: string[]; text: string }[];
}

/** A dev-auth write from Node (test set-up): the answer's JSON, or a thrown error with the status. */
async function devWrite<T>(userId: string, method: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { "x-user-id": userId, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} as ${userId}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The documents section of the admin console, once its list (or its empty state) has loaded. */
async function openDocuments(page: Page): Promise<void> {
  await page.goto(`${BASE}/admin`);
  const section = page.getByRole("region", { name: "Documents" });
  await section.getByRole("heading", { name: "Documents" }).waitFor();
  await section.locator(".documents, .empty").first().waitFor();
}

const passages = (n: number) => `${n} ${n === 1 ? "passage" : "passages"}`;
const documentRow = (page: Page, title: string) => page.getByRole("list", { name: "Documents" }).locator("li", { hasText: title });

describe("documents and manuals", () => {
  it("lets an admin upload a Markdown document, see it listed, upload a new version and delete it", async () => {
    const context = await browser.newContext(PHONE);
    const { page, problems } = await openPage(context);
    await signInWithPicker(page, ACME, "alice.admin");
    await openDocuments(page);

    // Each e2e run has a server of its own (fresh state): the title is this run's only one.
    const title = "Walk-in cooler defrost guide";
    await page.getByLabel("Title", { exact: true }).fill(title);
    await page.getByLabel("Or paste the text").fill("# Defrost\n\n## Timer\n\nSet the defrost timer to 4 cycles a day.\n");
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByText(`Uploaded “${title}”.`).waitFor();
    const row = documentRow(page, title);
    await row.waitFor();
    // What the API lists for every member is what the screen shows.
    const listed = await devApi<{ documents: DocumentSummary[] }>("ana.tech", "/v1/documents");
    const uploaded = listed.documents.find((d) => d.title === title);
    expect(uploaded).toMatchObject({ version: 1 });
    expect(await row.textContent()).toContain(`version 1 · ${passages(uploaded?.chunkCount ?? -1)} · updated`);

    const first = await devApi<DocumentDetail>("ana.tech", `/v1/documents/${uploaded?.id ?? ""}`);
    const timer = first.chunks.find((c) => c.text.includes("4 cycles"));
    if (!timer) throw new Error("no chunk holds the timer");

    // A new version (the timer changed, a section added): the list shows version 2.
    await row.getByRole("button", { name: `New version of ${title}` }).click();
    await page.getByRole("heading", { name: `New version of ${title}` }).waitFor();
    await page
      .getByLabel("Or paste the text")
      .fill("# Defrost\n\n## Timer\n\nSet the defrost timer to 6 cycles a day.\n\n## Drain\n\nClear the drain line.\n");
    await page.getByRole("button", { name: "Upload version 2" }).click();
    await page.getByText(`Uploaded a new version of “${title}”.`).waitFor();
    const second = (await devApi<DocumentSummary & { chunks: unknown[] }>("ana.tech", `/v1/documents/${uploaded?.id ?? ""}`)).chunkCount;
    expect(second).toBeGreaterThan(uploaded?.chunkCount ?? 0);
    await expect.poll(async () => documentRow(page, title).textContent()).toContain(`version 2 · ${passages(second)} · updated`);

    expect(await axeViolations(page)).toEqual([]);
    await expectNoHorizontalScroll(page);
    await page.evaluate(() => document.getElementById("documents-title")?.scrollIntoView());
    await screenshot(page, "admin-documents-phone");

    // The title opens the current version, every passage shown.
    await documentRow(page, title).getByRole("link", { name: title }).click();
    await page.getByRole("heading", { name: title, level: 1 }).waitFor();
    expect(await page.locator(".document-page .meta").textContent()).toMatch(/^Version 2 · /);
    expect(await page.locator(".chunks .chunk-text").allTextContents()).toHaveLength(second);
    // A citation of the passage version 2 no longer holds opens the newest older version holding it.
    await page.goto(`${BASE}${citationHref({ ref: `doc:${first.id}#${timer.id}`, jobId: null }, undefined)}`);
    const cited = page.getByRole("region", { name: "Cited passage" });
    await cited.waitFor();
    expect(await cited.locator(".chunk-text").textContent()).toBe(timer.text);
    expect(await cited.locator(".heading-path").textContent()).toBe(timer.headingPath.join(" › "));
    expect(await page.locator(".document-page .meta").textContent()).toMatch(/^Version 1 · /);
    await openDocuments(page);

    // Deleting asks first; dismissed, nothing happens; accepted, the document is gone.
    page.once("dialog", (dialog) => void dialog.dismiss());
    await documentRow(page, title)
      .getByRole("button", { name: `Delete ${title}` })
      .click();
    expect(await documentRow(page, title).count()).toBe(1);
    page.once("dialog", (dialog) => void dialog.accept());
    await documentRow(page, title)
      .getByRole("button", { name: `Delete ${title}` })
      .click();
    await page.getByText(`Deleted “${title}”.`).waitFor();
    await expect.poll(() => documentRow(page, title).count()).toBe(0);
    const after = await devApi<{ documents: DocumentSummary[] }>("ana.tech", "/v1/documents");
    expect(after.documents.some((d) => d.title === title)).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("uploads a file chosen with the picker as its own body, titled by its name when the title is empty", async () => {
    const context = await browser.newContext(PHONE);
    const { page, problems } = await openPage(context);
    await signInWithPicker(page, ACME, "alice.admin");
    await openDocuments(page);
    const word = `picker${unique()}`;
    await page.getByLabel("File (.md, .txt or .pdf)").setInputFiles({
      name: "Ice machine cleaning.md",
      mimeType: "text/markdown",
      buffer: Buffer.from(`# Cleaning\n\nRun the ${word} cycle twice a year.\n`),
    });
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByText("Uploaded “Ice machine cleaning”.").waitFor();
    await documentRow(page, "Ice machine cleaning").waitFor();
    const listed = await devApi<{ documents: DocumentSummary[] }>("ana.tech", "/v1/documents");
    const uploaded = listed.documents.find((d) => d.title === "Ice machine cleaning");
    expect(uploaded).toMatchObject({ version: 1, format: "markdown" });
    const detail = await devApi<DocumentDetail>("ana.tech", `/v1/documents/${uploaded?.id ?? ""}`);
    expect(detail.chunks.map((c) => c.text)).toEqual([`# Cleaning\n\nRun the ${word} cycle twice a year.`]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows the API's problem when an upload is refused, and writes nothing", async () => {
    const context = await browser.newContext(PHONE);
    const { page, problems } = await openPage(context);
    await signInWithPicker(page, ACME, "alice.admin");
    await openDocuments(page);
    const before = await devApi<{ documents: DocumentSummary[] }>("alice.admin", "/v1/documents");
    // Whitespace only: the API refuses it (422) and says why.
    await page.getByLabel("Title", { exact: true }).fill(`Empty ${unique()}`);
    await page.getByLabel("Or paste the text").fill("   \n  ");
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    const alert = page.getByRole("region", { name: "Documents" }).getByRole("alert");
    await alert.waitFor();
    // The problem's explanation with its request id, and the field it names.
    expect(await alert.locator("p").textContent()).toMatch(/does not match the schema \(request [0-9a-f-]{36}\)$/);
    expect(await alert.locator("li").allTextContents()).toEqual(["text: must contain text"]);
    const after = await devApi<{ documents: DocumentSummary[] }>("alice.admin", "/v1/documents");
    expect(after.documents.length).toBe(before.documents.length);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows an auditor the documents read-only, and the API refuses the auditor's upload", async () => {
    const title = `Glycol loop fill procedure ${unique()}`;
    await devWrite("alice.admin", "POST", "/v1/admin/documents", { title, format: "text", text: "Fill to 30 psi cold." });
    const context = await browser.newContext(PHONE);
    const { page, problems } = await openPage(context);
    await signInWithPicker(page, ACME, "aud.acme");
    await openDocuments(page);
    await documentRow(page, title).waitFor();
    const section = page.getByRole("region", { name: "Documents" });
    for (const name of [/^Upload/, /^New version/, /^Delete/])
      expect(await section.getByRole("button", { name }).count(), String(name)).toBe(0);
    expect(await section.getByLabel("Or paste the text").count()).toBe(0);
    // Not only hidden: the auditor's own session is refused by the API, and nothing is written.
    const status = await page.evaluate(async () => {
      const res = await fetch("/v1/admin/documents", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "Sneaky", format: "text", text: "should not be stored" }),
      });
      return res.status;
    });
    expect(status).toBe(403);
    const listed = await devApi<{ documents: DocumentSummary[] }>("aud.acme", "/v1/documents");
    expect(listed.documents.some((d) => d.title === "Sneaky")).toBe(false);
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("opens a library citation for a technician: the title, the heading path and the chunk's text, `<script>` shown as text; offline once opened", async () => {
    // The operator puts a manual into the shared library; one passage holds markup.
    const docId = `e2e-manual-${unique()}`;
    const hostile = "Never jumper the switch. <script>window.__pwned = true</script> <b>not bold</b>";
    await devWrite("platform-admin", "POST", "/v1/platform/library/documents", {
      id: docId,
      title: "Low-water cutoff guide",
      format: "markdown",
      text: `# Boiler\n\n## Low-water cutoff\n\n${hostile}\n\n## Blowdown\n\nBlow down the cutoff weekly.\n`,
    });
    const doc = await devApi<DocumentDetail>("ana.tech", `/v1/library/documents/${docId}`);
    const chunk = doc.chunks.find((c) => c.text.includes("<script>"));
    if (!chunk) throw new Error("no chunk holds the markup");
    const ref = `kb:${docId}@${doc.version}#${chunk.id}`;

    const context = await browser.newContext(PHONE);
    const { page, problems } = await openPage(context);
    // The copilot's answer is the server's own; the test's socket adds this citation to it, as an
    // answer drawing on the library carries it (kind "library", the sources contract), so the chip
    // the technician taps is the app's own. (This branch's copilot cites records only.)
    await page.routeWebSocket(/\/v1\/realtime/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => server.send(message));
      server.onMessage((message) => {
        if (typeof message !== "string" || !message.includes('"type":"answer"')) return ws.send(message);
        const frame = JSON.parse(message) as { citations: unknown[] };
        frame.citations.push({ ref, kind: "library", jobId: null, quote: "Never jumper the switch." });
        ws.send(JSON.stringify(frame));
      });
    });
    await signInWithPicker(page, ACME, "ana.tech");
    // The service worker controls the page, so it keeps what the page reads (as on a phone used before).
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await page.goto(`${BASE}/jobs/J-3034`);
    await page.getByText("Connected").waitFor();
    await page.getByLabel("Your question about this job").fill("What happened to the RTU-2 contactor?");
    await page.getByRole("button", { name: "Ask", exact: true }).click();
    const chip = page.locator(".turn").last().locator(".chip", { hasText: ref });
    await chip.waitFor();
    expect(await chip.getAttribute("href")).toBe(citationHref({ ref, jobId: null }, "J-3034"));
    await chip.click();

    await page.getByRole("heading", { name: "Low-water cutoff guide", level: 1 }).waitFor();
    const cited = page.getByRole("region", { name: "Cited passage" });
    await cited.waitFor();
    expect(await cited.locator(".heading-path").textContent()).toBe("Boiler › Low-water cutoff");
    expect(await cited.locator(".chunk-text").textContent()).toBe(chunk.text);
    // Text, not markup: no element was made from the chunk, and its script never ran.
    expect(await page.locator(".document-page script, .document-page b").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();
    expect(await axeViolations(page)).toEqual([]);
    await expectNoHorizontalScroll(page);
    await screenshot(page, "technician-citation-phone");

    expect(problems).toEqual([]);

    // Opened once, readable without a network, as an opened job is (a new tab: its socket is not the test's).
    const offline = await context.newPage();
    await context.setOffline(true);
    await offline.goto(page.url());
    const passage = offline.getByRole("region", { name: "Cited passage" }).locator(".chunk-text");
    await passage.waitFor();
    expect(await passage.textContent()).toBe(chunk.text);
    await context.close();
  });
});
