/**
 * Hand-written PDFs for the upload tests, generated in the test instead of committed as binaries:
 * one Helvetica text object per line, a correct cross-reference table, optionally Flate-compressed
 * content streams (CompressionStream) and an /Encrypt entry. A page of a few lines is ~300 bytes.
 */
export interface PdfOptions {
  /** Compress each page's content stream (FlateDecode). */
  compress?: boolean;
  /** Declare the document encrypted (an /Encrypt dictionary in the trailer). */
  encrypted?: boolean;
  /** Raw content stream bytes of page 1 instead of its lines (a zip bomb, a page without text). */
  rawContent?: Uint8Array;
}

const latin1 = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);

/** A PDF whose page i shows the lines pages[i] (empty lines: a page with no text). */
export async function makePdf(pages: string[][], options: PdfOptions = {}): Promise<Uint8Array> {
  const objects: Uint8Array[] = [];
  const pageIds = pages.map((_, i) => 4 + i * 2);
  objects[1] = latin1("<< /Type /Catalog /Pages 2 0 R >>");
  objects[2] = latin1(`<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pages.length} >>`);
  objects[3] = latin1("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  for (const [i, lines] of pages.entries()) {
    const id = pageIds[i]!;
    objects[id] = latin1(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${id + 1} 0 R >>`,
    );
    let content =
      i === 0 && options.rawContent
        ? options.rawContent
        : latin1(lines.map((line, n) => `BT /F1 12 Tf 72 ${740 - n * 16} Td (${escape(line)}) Tj ET`).join("\n"));
    let filter = "";
    if (options.compress && !(i === 0 && options.rawContent)) {
      content = await deflate(content);
      filter = " /Filter /FlateDecode";
    }
    if (i === 0 && options.rawContent && options.compress !== false) filter = " /Filter /FlateDecode";
    objects[id + 1] = concat([latin1(`<< /Length ${content.byteLength}${filter} >>\nstream\n`), content, latin1("\nendstream")]);
  }
  const encryptId = objects.length;
  if (options.encrypted) objects[encryptId] = latin1("<< /Filter /Standard /V 2 /R 3 /Length 128 /O <00> /U <00> /P -4 >>");
  const parts: Uint8Array[] = [latin1("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")];
  let offset = parts[0]!.byteLength;
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    const body = objects[id]!;
    offsets[id] = offset;
    const obj = concat([latin1(`${id} 0 obj\n`), body, latin1("\nendobj\n")]);
    parts.push(obj);
    offset += obj.byteLength;
  }
  const xref = [`xref\n0 ${objects.length}\n`, "0000000000 65535 f \n"];
  for (let id = 1; id < objects.length; id++) xref.push(`${String(offsets[id]).padStart(10, "0")} 00000 n \n`);
  const encrypt = options.encrypted
    ? ` /Encrypt ${encryptId} 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]`
    : "";
  parts.push(latin1(`${xref.join("")}trailer\n<< /Size ${objects.length} /Root 1 0 R${encrypt} >>\nstartxref\n${offset}\n%%EOF\n`));
  return concat(parts);
}

/** `size` bytes of spaces, Flate-compressed (a zip bomb: a few KB that inflate to `size`). */
export async function deflatedSpaces(size: number): Promise<Uint8Array> {
  const block = new Uint8Array(1024 * 1024).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (size <= 0) return controller.close();
      controller.enqueue(size >= block.byteLength ? block : block.slice(0, size));
      size -= block.byteLength;
    },
  }).pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function escape(line: string): string {
  return line.replace(/[\\()]/g, (ch) => `\\${ch}`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A paragraph as PDF lines of at most 90 characters. */
export function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line.length + word.length + 1 > 90) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
