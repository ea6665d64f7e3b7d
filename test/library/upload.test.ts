import { beforeAll, describe, expect, it } from "vitest";
import { MAX_DOCUMENT_CHARS, MAX_PDF_INFLATED_BYTES, MAX_UPLOAD_BYTES } from "../../schemas/library";
import { pdfToMarkdown } from "../../src/knowledge/pdf";
import { call } from "../helpers/api";
import { expectOk, expectProblem, expectValidationAt } from "../helpers/expect-api";
import { libraryState, uniqueWord } from "../helpers/library";
import { deflatedSpaces, makePdf } from "../helpers/pdf";
import { operatorToken, tenantWithCast, uniqueId, type Cast } from "../helpers/world";

/**
 * Raw uploads (src/knowledge/upload.ts, pdf.ts): Markdown, plain text and PDF bodies with the title
 * in the query, and every hostile body refused with a 4xx that names the problem, nothing written.
 */
const DOCS = "/v1/platform/library/documents";

let operator: string;
let cast: Cast;

beforeAll(async () => {
  operator = await operatorToken();
  cast = await tenantWithCast("upl");
});

const raw = (type: string, body: BodyInit, query: string, method = "POST", id?: string) =>
  call(`${DOCS}${id ? `/${id}` : ""}${query}`, { token: operator, method, rawBody: body, headers: { "content-type": type } });

describe("raw document uploads", () => {
  it("takes Markdown, plain text and a PDF with a text layer, each searchable with its own chunks", async () => {
    const [wm, wt, wp] = [uniqueWord(), uniqueWord(), uniqueWord()];
    const md = expectOk(
      await raw(
        "text/markdown; charset=utf-8",
        `# Boiler\n\n## Low water\n\nThe ${wm} cutoff trips first.\n`,
        `?title=Boiler+guide&id=${uniqueId("md")}`,
      ),
      201,
    );
    expect(md).toMatchObject({ title: "Boiler guide", format: "markdown", status: "ready", chunkCount: 2, indexedChunks: 2 });
    const txt = expectOk(await raw("text/plain", `First paragraph.\n\nThe ${wt} valve.`, "?title=Notes"), 201);
    expect(txt).toMatchObject({ title: "Notes", format: "text", status: "ready" });
    expect(txt.id).toMatch(/^doc-/);

    const pdfId = uniqueId("pdf");
    const pdf = await makePdf(
      [["RTU service manual", "Read this first."], [], ["Error codes", `E4 means the ${wp} pressure switch opened.`]],
      { compress: true },
    );
    const created = expectOk(await raw("application/pdf", pdf, `?title=RTU+manual&id=${pdfId}`), 201);
    expect(created).toMatchObject({ id: pdfId, format: "markdown", status: "ready" });
    const doc = expectOk(await call(`${DOCS}/${pdfId}`, { token: operator }));
    // Each page with text is a section "Page N" (the empty page 2 is left out), its lines verbatim.
    expect(doc.chunks.map((c: { headingPath: string[] }) => c.headingPath)).toEqual([["Page 1"], ["Page 3"]]);
    expect(doc.chunks[1].text).toBe(`# Page 3\n\nError codes\nE4 means the ${wp} pressure switch opened.`);
    for (const w of [wm, wt, wp])
      expect(expectOk(await call(`/v1/library/search?q=${w}`, { token: cast.technician })).hits).toHaveLength(1);
    const hit = expectOk(await call(`/v1/library/search?q=${wp}`, { token: cast.technician })).hits[0];
    expect(hit).toMatchObject({ ref: `kb:${pdfId}@1#${doc.chunks[1].id}`, title: "RTU manual", heading: "Page 3" });

    // A new version as a raw body; the id is the path's, never the query's.
    const v2 = expectOk(await raw("text/markdown", `# Revised\n\n${wm} again.`, "?title=RTU+manual+v2", "PUT", pdfId), 200);
    expect(v2).toMatchObject({ id: pdfId, version: 2, title: "RTU manual v2", status: "ready" });
    expectValidationAt(await raw("text/markdown", "# X\n\ny", "?title=T&id=other", "PUT", pdfId), "id");
  });

  it("refuses hostile and malformed bodies with a 4xx naming the problem, and writes nothing", async () => {
    const before = await libraryState();
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const pdf = await makePdf([["A real PDF."]]);
    const problem = async (res: Promise<Awaited<ReturnType<typeof raw>>>, status: number, code: string, says: string) => {
      const body = expectProblem(await res, status, code);
      expect(body.detail).toContain(says);
    };
    await problem(raw("application/pdf", png, "?title=T"), 422, "validation_failed", "PNG");
    await problem(raw("text/markdown", pdf, "?title=T"), 422, "validation_failed", "pdf");
    await problem(raw("text/plain", Uint8Array.from([0x48, 0x69, 0xff, 0xfe, 0x21]), "?title=T"), 422, "validation_failed", "UTF-8");
    await problem(raw("text/plain", Uint8Array.from([0x48, 0x00, 0x69]), "?title=T"), 422, "validation_failed", "binary");
    await problem(raw("text/markdown", "", "?title=T"), 422, "validation_failed", "empty");
    await problem(raw("text/markdown", "  \n\n ", "?title=T"), 422, "validation_failed", "empty");
    await problem(raw("application/pdf", "", "?title=T"), 422, "validation_failed", "empty");
    // A PDF with pages but no text (a scan), a truncated one, an encrypted one.
    await problem(raw("application/pdf", await makePdf([[], []]), "?title=T"), 422, "validation_failed", "no text layer");
    await problem(raw("application/pdf", pdf.slice(0, 60), "?title=T"), 422, "validation_failed", "not a readable PDF");
    await problem(
      raw("application/pdf", await makePdf([["Secret"]], { encrypted: true }), "?title=T"),
      422,
      "validation_failed",
      "encrypted",
    );
    // A zip bomb: a page whose content stream inflates to far more than MAX_PDF_INFLATED_BYTES.
    const bomb = await makePdf([["x"]], { rawContent: await deflatedSpaces(MAX_PDF_INFLATED_BYTES + 16 * 1024 * 1024) });
    expect(bomb.byteLength).toBeLessThan(1024 * 1024);
    await problem(raw("application/pdf", bomb, "?title=T"), 413, "payload_too_large", "MAX_PDF_INFLATED_BYTES");
    // Too large: a raw body over MAX_UPLOAD_BYTES, and a JSON body over MAX_BODY_BYTES still refused at its own cap.
    await problem(
      raw("text/plain", new Uint8Array(MAX_UPLOAD_BYTES + 1).fill(0x61), "?title=T"),
      413,
      "payload_too_large",
      "MAX_UPLOAD_BYTES",
    );
    await problem(
      call(DOCS, { token: operator, body: { title: "T", format: "text", text: "a".repeat(6 * 1024 * 1024) } }),
      413,
      "payload_too_large",
      "MAX_BODY_BYTES",
    );
    // Text over MAX_DOCUMENT_CHARS in a raw body (under MAX_UPLOAD_BYTES): the same 422 as in JSON.
    expectValidationAt(await raw("text/plain", "a ".repeat(MAX_DOCUMENT_CHARS / 2 + 1), "?title=T"), "text");
    // The query: a title is required with a raw body, refused with a JSON one; a bad id, a repeated title.
    expectValidationAt(await raw("text/plain", "x", ""), "title");
    expectValidationAt(await raw("text/plain", "x", "?title=T&id=Bad!"), "id");
    expectValidationAt(await raw("text/plain", "x", "?title=a&title=b"), "title");
    expectValidationAt(await raw("text/plain", "x", "?title="), "title");
    expectValidationAt(await call(`${DOCS}?title=T`, { token: operator, body: { title: "T", format: "text", text: "x" } }), "(query)");
    await problem(raw("image/png", png, "?title=T"), 415, "unsupported_media_type", "text/markdown");
    expect(await libraryState()).toEqual(before);
  });

  it("stores HTML and script in a raw Markdown upload as text, answered only as JSON", async () => {
    const w = uniqueWord();
    const text = `# Panel\n\n<script>alert("${w}")</script> <img src=x onerror=alert(1)>\n`;
    const created = expectOk(await raw("text/markdown", text, `?title=${encodeURIComponent("<b>Panel</b>")}`), 201);
    const res = await call(`/v1/library/documents/${created.id}`, { token: cast.technician });
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.body.title).toBe("<b>Panel</b>");
    expect(res.body.chunks[0].text).toContain(`<script>alert("${w}")</script>`);
  });

  it("bounds the time to read a PDF: past the deadline, between pages, a 422", async () => {
    const pdf = await makePdf(Array.from({ length: 200 }, (_, n) => [`Page ${n} of a long manual.`]));
    expect(await pdfToMarkdown(pdf)).toContain("# Page 200");
    await expect(pdfToMarkdown(pdf, "(body)", 1)).rejects.toMatchObject({
      status: 422,
      detail: expect.stringContaining("PDF_EXTRACT_TIMEOUT_MS"),
    });
  });
});
