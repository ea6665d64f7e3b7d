import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect, inject } from "vitest";

/** The base URL of the e2e run's server (e2e/global-setup.ts). */
export const BASE = inject("baseUrl");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "docs", "screenshots");

/** A phone: 360 px wide, touch, as technicians hold it. */
export const PHONE = { viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

/**
 * A page that records what a user should never see: console errors, uncaught exceptions, failed
 * requests to our origin other than the API's deliberate refusals, and CSP violations.
 */
export async function openPage(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // The browser logs every non-2xx fetch as an error; the app shows those to the user itself.
    if (/Failed to load resource: the server responded with a status of (4\d\d)/.test(message.text())) return;
    problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  return { page, problems };
}

/** Signs in with the dev picker as `userId` of the tenant named `tenantName`, and waits for the app. */
export async function signInWithPicker(page: Page, tenantName: string, userId: string): Promise<void> {
  await page.goto(`${BASE}/`);
  await page.getByRole("heading", { name: "Sign in to FieldPilot" }).waitFor();
  const tenant = page.getByRole("region", { name: tenantName });
  await tenant.getByRole("button", { name: new RegExp(`^${userId.replace(".", "\\.")} `) }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/** No horizontal scroll: the page is not wider than the viewport. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scroll, client, wide } = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    // The innermost elements that stick out, to say what to fix.
    const clipped = (e: Element): boolean => {
      for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
        if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return true;
      return false;
    };
    const sticksOut = (e: Element) => e.getBoundingClientRect().right > width + 1 && !clipped(e);
    const wide = [...document.querySelectorAll("body *")]
      .filter((e) => sticksOut(e) && ![...e.children].some(sticksOut))
      .slice(0, 5)
      .map(
        (e) =>
          `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${e.className && typeof e.className === "string" ? `.${e.className.split(" ").join(".")}` : ""} (${Math.round(e.getBoundingClientRect().right)} px)`,
      );
    return { scroll: document.documentElement.scrollWidth, client: width, wide };
  });
  expect(scroll, `page is ${scroll} px wide in a ${client} px viewport: ${wide.join(", ")}`).toBeLessThanOrEqual(client);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's serious and critical violations on the current page (WCAG 2.x A and AA rules). */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  const results = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            o: object,
          ) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }>;
        };
      }
    ).axe;
    const run = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return run.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3),
    }));
  });
  return results
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.join(", ")}`);
}

/** A dev-auth API call from Node (test set-up and cross-checks; the browser uses its session). */
export async function devApi<T>(userId: string, path: string, tenantId?: string): Promise<T> {
  const res = await fetch(`${BASE}${path}`, { headers: { "x-user-id": userId, ...(tenantId ? { "x-tenant-id": tenantId } : {}) } });
  if (!res.ok) throw new Error(`${path} as ${userId}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A screenshot of what the screen shows, for the README (docs/screenshots), refreshed by every e2e run. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), scale: "css" });
}
