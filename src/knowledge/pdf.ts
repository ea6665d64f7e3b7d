import { constants as zlib, inflateSync } from "node:zlib";
import { AppError } from "../../schemas/errors";
import { MAX_DOCUMENT_CHARS, MAX_PDF_INFLATED_BYTES, MAX_PDF_PAGES, PDF_EXTRACT_TIMEOUT_MS } from "../../schemas/library";

/**
 * A PDF's text layer as Markdown, for the chunker: each page with text becomes a section
 * `# Page N` (so every chunk's heading path names its page, and a citation says where to look),
 * its lines joined as PDF.js lays them out, a blank line where the vertical gap between two lines
 * is over 1.5 line heights (a paragraph break). Pages without text are left out; a PDF without
 * any is refused (422: a scan needs OCR first).
 *
 * Hostile PDFs are bounded before and while PDF.js reads them: an /Encrypt dictionary is refused
 * (422), the compressed streams may inflate to MAX_PDF_INFLATED_BYTES all together (413, counted
 * while inflating, before PDF.js sees the file), at most MAX_PDF_PAGES pages, the text at most
 * MAX_DOCUMENT_CHARS (422, extraction stops there), and PDF_EXTRACT_TIMEOUT_MS between pages (422).
 * PDF.js (through unpdf's serverless build) is loaded on the first PDF only.
 */
const latin1 = new TextDecoder("latin1");

/** `path` names where the PDF came from in a 422's `errors`: `(body)`, or `url` for a fetched one. */
export async function pdfToMarkdown(bytes: Uint8Array, path = "(body)", deadlineMs = PDF_EXTRACT_TIMEOUT_MS): Promise<string> {
  const refuse = (detail: string) => new AppError("validation_failed", detail, { errors: [{ path, message: detail }] });
  const unreadable = `${path === "url" ? "the document at the URL" : "the body"} is not a readable PDF`;
  const raw = latin1.decode(bytes);
  if (/\/Encrypt[\s/<[]/.test(raw)) throw refuse("the PDF is encrypted: upload a copy without a password or restrictions");
  boundInflatedStreams(bytes, raw);

  const { getDocumentProxy } = await import("unpdf");
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // PDF.js takes ownership of (detaches) the buffer it is given: hand it a copy.
    pdf = await getDocumentProxy(bytes.slice(), { stopAtErrors: false });
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "PasswordException") throw refuse("the PDF is encrypted: upload a copy without a password or restrictions");
    throw refuse(unreadable);
  }
  try {
    if (pdf.numPages > MAX_PDF_PAGES) throw refuse(`the PDF has ${pdf.numPages} pages; at most ${MAX_PDF_PAGES} (MAX_PDF_PAGES)`);
    const started = Date.now();
    const sections: string[] = [];
    let chars = 0;
    for (let n = 1; n <= pdf.numPages; n++) {
      // A macrotask between pages: the clock moves on (it stands still during synchronous work
      // in workerd), and the deadline is checked against it.
      if (n % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      if (Date.now() - started > deadlineMs) throw refuse(`reading the PDF took longer than ${deadlineMs} ms (PDF_EXTRACT_TIMEOUT_MS)`);
      const text = await pageText(pdf, n);
      if (text === "") continue;
      const section = `# Page ${n}\n\n${text}`;
      chars += section.length + 2;
      if (chars > MAX_DOCUMENT_CHARS) throw refuse(`the PDF's text is longer than ${MAX_DOCUMENT_CHARS} characters (MAX_DOCUMENT_CHARS)`);
      sections.push(section);
    }
    if (sections.length === 0) throw refuse("the PDF has no text layer (a scan?): run OCR on it first, or upload its text");
    return `${sections.join("\n\n")}\n`;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw refuse(unreadable);
  } finally {
    await pdf.loadingTask.destroy().catch(() => {});
  }
}

interface TextItem {
  str: string;
  hasEOL: boolean;
  transform: number[];
  height: number;
}

/** One page's text: lines as PDF.js ends them, a blank line at a gap over 1.5 line heights. */
async function pageText(pdf: { getPage(n: number): Promise<{ getTextContent(): Promise<{ items: unknown[] }> }> }, n: number) {
  const page = await pdf.getPage(n);
  const content = await page.getTextContent();
  let out = "";
  let lineY: number | undefined;
  let lineHeight = 0;
  let atLineStart = true;
  for (const item of content.items as TextItem[]) {
    if (typeof item.str !== "string") continue;
    const y = item.transform?.[5] ?? 0;
    if (atLineStart && item.str.trim() !== "") {
      if (lineY !== undefined && lineHeight > 0 && Math.abs(lineY - y) > 1.5 * lineHeight) out = `${out.trimEnd()}\n\n`;
      lineY = y;
      lineHeight = item.height || lineHeight;
      atLineStart = false;
    }
    out += item.str.replaceAll("\u0000", "");
    if (item.hasEOL) {
      out = `${out.trimEnd()}\n`;
      atLineStart = true;
    }
  }
  return out
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * Inflates every FlateDecode stream of the file, counting bytes and keeping none, and refuses the
 * PDF once they pass MAX_PDF_INFLATED_BYTES together: a few KB that inflate to gigabytes never
 * reach PDF.js, which would inflate them in memory. A stream that does not inflate is left to PDF.js.
 * Every Flate stream counts, images too: a dictionary's /Subtype is the sender's word, and a content
 * stream calling itself an image would still be inflated by PDF.js.
 */
function boundInflatedStreams(bytes: Uint8Array, raw: string): void {
  let total = 0;
  const marker = /stream\r?\n/g;
  for (let match = marker.exec(raw); match !== null; match = marker.exec(raw)) {
    if (raw.slice(match.index - 3, match.index) === "end") continue;
    const dictionary = raw.slice(Math.max(0, match.index - 1024), match.index);
    const start = match.index + match[0].length;
    const end = raw.indexOf("endstream", start);
    if (end < 0) break;
    marker.lastIndex = end + 9;
    const dictStart = dictionary.lastIndexOf("obj");
    const own = dictionary.slice(dictStart < 0 ? 0 : dictStart);
    if (!/\/FlateDecode|\/Fl\b/.test(own)) continue;
    total = inflatedSize(bytes.subarray(start, end), total);
  }
}

/**
 * `total` plus the stream's inflated size; 413 past the cap. node:zlib stops at the cap
 * (`maxOutputLength`) without inflating further, and, like PDF.js, ignores bytes after the end of
 * the data and reads a truncated stream as far as it goes (workerd's DecompressionStream refuses both).
 */
function inflatedSize(data: Uint8Array, total: number): number {
  try {
    const out = inflateSync(data, { maxOutputLength: MAX_PDF_INFLATED_BYTES - total + 1, finishFlush: zlib.Z_SYNC_FLUSH });
    total += out.byteLength;
  } catch (error) {
    if (!(error instanceof RangeError)) return total; // Not deflate data: PDF.js decides what it makes of it.
    total = MAX_PDF_INFLATED_BYTES + 1;
  }
  if (total > MAX_PDF_INFLATED_BYTES)
    throw new AppError(
      "payload_too_large",
      `the PDF's compressed streams inflate to more than ${MAX_PDF_INFLATED_BYTES} bytes (MAX_PDF_INFLATED_BYTES)`,
    );
  return total;
}
