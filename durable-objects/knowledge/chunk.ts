import { createHash } from "node:crypto";
import { AppError } from "../../schemas/errors";
import { MAX_CHUNK_CHARS, MAX_DOCUMENT_CHUNKS, type DocumentFormat } from "../../schemas/library";

/**
 * Splits a document into chunks a citation can point at. Pure (no storage, no actor): the shared
 * library and, later, a tenant's own documents use it alike.
 *
 * - Markdown: a heading starts a section and stays with the section's first chunk; every chunk
 *   carries its heading path (outermost first). `#` lines inside fenced code are not headings.
 * - Plain text: paragraphs at blank lines, no headings.
 * - Paragraphs of one section are packed up to TARGET_CHARS; a paragraph over MAX_CHUNK_CHARS is
 *   split at sentence ends, a sentence over it at the last space before the cap.
 * - Each chunk's text is a verbatim slice of the upload (`text.slice(start, end)`), trimmed of
 *   surrounding whitespace only, so a quote from it is a quote from the document.
 * - A chunk's id is a hash of its heading path and its whitespace-normalised text, with a counter
 *   for repeats, so the same text uploaded again gets the same ids and citations keep pointing at it.
 *
 * HTML and script in Markdown are kept as text: nothing here or in the API renders Markdown (every
 * answer is JSON), and refusing them would refuse real manuals with inline `<br>` or tables.
 */
export const TARGET_CHARS = 1_000;

export interface DocumentChunk {
  id: string;
  headingPath: string[];
  text: string;
  /** Offsets of `text` in the uploaded text. */
  start: number;
  end: number;
}

interface Span {
  start: number;
  end: number;
}

interface Block extends Span {
  headingPath: string[];
  /** A heading line opens a section: the next block may not be packed with the one before. */
  opensSection: boolean;
}

const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

export function chunkDocument(text: string, format: DocumentFormat, maxChunks = MAX_DOCUMENT_CHUNKS): DocumentChunk[] {
  const chunks: DocumentChunk[] = [];
  const seen = new Map<string, number>();
  const push = (span: Span, headingPath: string[]) => {
    if (chunks.length >= maxChunks) {
      throw new AppError("validation_failed", `the document splits into more than ${maxChunks} chunks (MAX_DOCUMENT_CHUNKS)`, {
        errors: [{ path: "text", message: `splits into more than ${maxChunks} chunks (MAX_DOCUMENT_CHUNKS)` }],
      });
    }
    const slice = text.slice(span.start, span.end);
    const key = JSON.stringify([headingPath, slice.replace(/\s+/g, " ")]);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const id = createHash("sha256").update(`${key}#${n}`).digest("hex").slice(0, 12);
    chunks.push({ id, headingPath, text: slice, start: span.start, end: span.end });
  };
  // Paragraphs of one section are packed into one chunk while they fit in TARGET_CHARS.
  const packed: Block[] = [];
  for (const block of blocks(text, format)) {
    const last = packed[packed.length - 1];
    if (last && !block.opensSection && block.end - last.start <= TARGET_CHARS) last.end = block.end;
    else packed.push(block);
  }
  for (const block of packed) for (const piece of capped(text, block)) push(piece, block.headingPath);
  return chunks;
}

/** Paragraphs (trimmed spans between blank lines), each with its heading path. */
function* blocks(text: string, format: DocumentFormat): Generator<Block> {
  const path: { level: number; title: string }[] = [];
  let start = -1;
  let end = -1;
  let opensSection = false;
  let headingOnly = false;
  let fence: string | null = null;
  const flush = function* (): Generator<Block> {
    if (start >= 0) yield { start, end, headingPath: path.map((h) => h.title), opensSection };
    start = -1;
    opensSection = false;
  };
  for (const line of lines(text)) {
    const body = text.slice(line.start, line.end);
    if (format === "markdown" && fence === null) {
      const heading = HEADING.exec(body);
      if (heading) {
        yield* flush();
        const level = heading[1]!.length;
        while (path.length > 0 && path[path.length - 1]!.level >= level) path.pop();
        path.push({ level, title: heading[2]!.trim() });
        [start, end, opensSection, headingOnly] = [line.start + body.search(/\S/), line.start + body.trimEnd().length, true, true];
        continue;
      }
    }
    if (format === "markdown") {
      const marker = FENCE.exec(body)?.[1];
      if (marker && fence === null) fence = marker[0]!;
      else if (marker && marker[0] === fence) fence = null;
    }
    if (body.trim() === "" && fence === null) {
      // A heading's own line stays with the paragraph under it.
      if (!headingOnly) yield* flush();
      continue;
    }
    if (body.trim() === "") continue;
    headingOnly = false;
    if (start < 0) start = line.start + body.search(/\S/);
    end = line.start + body.trimEnd().length;
  }
  yield* flush();
}

function* lines(text: string): Generator<Span> {
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    yield { start, end: end > start && text[end - 1] === "\r" ? end - 1 : end };
    if (newline < 0) return;
    start = newline + 1;
  }
}

/** A block under MAX_CHUNK_CHARS as is; else sentence-sized pieces packed under the cap. */
function* capped(text: string, block: Span): Generator<Span> {
  if (block.end - block.start <= MAX_CHUNK_CHARS) {
    yield block;
    return;
  }
  let piece: Span | null = null;
  for (const sentence of sentences(text, block)) {
    if (piece && sentence.end - piece.start <= MAX_CHUNK_CHARS) {
      piece.end = sentence.end;
      continue;
    }
    if (piece) yield piece;
    piece = { ...sentence };
  }
  if (piece) yield piece;
}

/** Sentences of a span (ends at `.`, `!`, `?` and closing quotes before whitespace), none over the cap. */
function* sentences(text: string, span: Span): Generator<Span> {
  const boundary = /[.!?]["')\]]*\s+/g;
  boundary.lastIndex = span.start;
  let start = span.start;
  while (start < span.end) {
    const match = boundary.exec(text);
    const stop = match && match.index < span.end ? match.index + match[0].trimEnd().length : span.end;
    yield* hardSplit(text, { start, end: stop });
    start = match && match.index < span.end ? match.index + match[0].length : span.end;
    if (!match) break;
  }
}

/** Pieces of at most MAX_CHUNK_CHARS, cut at the last whitespace before the cap when there is one. */
function* hardSplit(text: string, span: Span): Generator<Span> {
  let start = span.start;
  while (span.end - start > MAX_CHUNK_CHARS) {
    const window = text.slice(start, start + MAX_CHUNK_CHARS);
    const space = window.search(/\s\S*$/);
    let cut = space > 0 ? start + space : start + MAX_CHUNK_CHARS;
    // Never cut a surrogate pair in two.
    if (/[\uD800-\uDBFF]/.test(text[cut - 1] ?? "")) cut--;
    yield { start, end: cut };
    start = cut;
    while (start < span.end && /\s/.test(text[start]!)) start++;
  }
  if (start < span.end) yield { start, end: span.end };
}
