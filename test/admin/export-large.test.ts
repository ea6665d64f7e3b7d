import { describe, expect, it } from "vitest";
import { BASE, call } from "../helpers/api";
import { expectOk } from "../helpers/expect-api";
import { tamper } from "../helpers/storage";
import { keys } from "../helpers/tokens";
import { basicData, createTenant, ingestAs, operatorToken, tenantWithCast } from "../helpers/world";
import { exports } from "cloudflare:workers";

/**
 * A 100,000-note tenant exported and imported through the API. The export is read as a stream
 * and checked line by line (never held whole by the test); the import applies all of it in one
 * transaction. Memory flatness of the object is measured by `npm run bench -- export`.
 */
const worker = (exports as unknown as { default: Fetcher }).default;
const NOTES = 100_000;

describe("export and import at 100,000 records", () => {
  it("streams every record with a matching digest, and imports them all", { timeout: 180_000 }, async () => {
    const cast = await tenantWithCast("big");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    // Seeded inside the object in one statement (the index triggers fire for every row).
    await tamper(
      cast.tenantId,
      `INSERT INTO notes (id, body, job_pk, created_at, updated_at)
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       SELECT 'BN' || i, 'Compressor pressure reading ' || i || ' psi, condenser coil cleaned.', (SELECT pk FROM jobs WHERE id = 'J1'),
              '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' FROM n`,
      NOTES,
    );
    const res = await worker.fetch(
      new Request(`${BASE}/v1/admin/export`, { headers: { authorization: `Bearer ${cast.admin}`, "x-tenant-id": cast.tenantId } }),
    );
    expect(res.status).toBe(200);
    // Read as it streams: count lines, hash the record lines, keep only the header and footer.
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const chunks: Uint8Array[] = [];
    let rest = "";
    let lines = 0;
    let first = "";
    let last = "";
    let notes = 0;
    let bytes = 0;
    const encoder = new TextEncoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      const parts = (rest + value).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) {
        lines++;
        if (lines === 1) first = line;
        else {
          if (last !== "") chunks.push(encoder.encode(`${last}\n`));
          last = line;
        }
        if (line.startsWith('{"kind":"note"')) notes++;
      }
    }
    const header = JSON.parse(first);
    const footer = JSON.parse(last);
    expect(header.type).toBe("header");
    expect(footer.type).toBe("footer");
    expect(footer.counts.note).toBe(notes);
    expect(notes).toBeGreaterThan(NOTES);
    expect(footer.records).toBe(lines - 2);
    const digest = await crypto.subtle.digest("SHA-256", await new Blob(chunks).arrayBuffer());
    expect(footer.digest).toBe(`sha256:${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`);
    expect(bytes).toBeGreaterThan(NOTES * 100);

    // The same file into an empty twin, in one transaction.
    const twin = await createTenant("bigtwin");
    const added = await call(`/v1/platform/tenants/${twin}/members`, {
      token: await operatorToken(),
      body: { subject: cast.subjects.admin, role: "admin", issuer: keys.issuer },
    });
    expect(added.status).toBe(201);
    const body = new Blob([`${first}\n`, ...chunks, `${last}\n`]);
    const imported = await call("/v1/admin/import", {
      method: "POST",
      token: cast.admin,
      tenant: twin,
      rawBody: body.stream(),
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(imported.status, imported.text.slice(0, 300)).toBe(200);
    expect(imported.body.counts.note).toBe(notes);
    const coverage = expectOk(await call("/v1/admin/index/coverage", { token: cast.admin, tenant: twin }));
    expect(coverage.kinds.find((k: { kind: string }) => k.kind === "note")).toEqual({ kind: "note", records: notes, indexed: notes });
  });
});
