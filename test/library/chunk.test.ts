import { describe, expect, it } from "vitest";
import { chunkDocument, TARGET_CHARS } from "../../durable-objects/knowledge/chunk";
import { AppError } from "../../schemas/errors";
import { MAX_CHUNK_CHARS } from "../../schemas/library";

const MANUAL = [
  "# RTU-2 service manual",
  "",
  "Read this before opening the cabinet.",
  "",
  "## Compressor",
  "",
  "### Hard start",
  "",
  "Fit a hard-start kit when the compressor hums but does not start.",
  "",
  "```sh",
  "# not a heading: inside a fence",
  "",
  "echo still code",
  "```",
  "",
  "## Contactor",
  "Replace a pitted contactor; check the coil voltage first.",
  "",
].join("\n");

/** Every chunk is the upload's own text at its offsets. */
function expectVerbatim(text: string, chunks: ReturnType<typeof chunkDocument>): void {
  for (const c of chunks) {
    expect(text.slice(c.start, c.end)).toBe(c.text);
    expect(c.text).toBe(c.text.trim());
  }
}

describe("chunking", () => {
  it("splits Markdown at headings, keeps each heading with its chunk and the heading path", () => {
    const chunks = chunkDocument(MANUAL, "markdown");
    expect(chunks.map((c) => c.headingPath)).toEqual([
      ["RTU-2 service manual"],
      ["RTU-2 service manual", "Compressor"],
      ["RTU-2 service manual", "Compressor", "Hard start"],
      ["RTU-2 service manual", "Contactor"],
    ]);
    expect(chunks[0]!.text).toBe("# RTU-2 service manual\n\nRead this before opening the cabinet.");
    // The fenced `#` line is code, packed with its section, not a heading.
    expect(chunks[2]!.text.startsWith("### Hard start\n\nFit a hard-start kit")).toBe(true);
    expect(chunks[2]!.text).toContain("# not a heading: inside a fence\n\necho still code\n```");
    expect(chunks[3]!.text).toBe("## Contactor\nReplace a pitted contactor; check the coil voltage first.");
    expectVerbatim(MANUAL, chunks);
  });

  it("splits plain text at blank lines once paragraphs exceed the target, with no headings", () => {
    const para = (n: number) => `Paragraph ${n}. ${"Words of the manual. ".repeat(20).trim()}`;
    const text = [1, 2, 3, 4, 5].map(para).join("\n\n\r\n");
    const chunks = chunkDocument(text, "text");
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.headingPath.length === 0)).toBe(true);
    expect(chunks.every((c) => c.text.length <= TARGET_CHARS)).toBe(true);
    expect(chunks.map((c) => c.text).join(" ")).toContain("Paragraph 5.");
    expectVerbatim(text, chunks);
    // A `#` line in plain text is text.
    expect(chunkDocument("# not a heading\n\nbody", "text")[0]!.headingPath).toEqual([]);
  });

  it("splits a long paragraph at sentence ends under the cap, and a sentence without ends at a space", () => {
    const sentence = (n: number) => `Sentence number ${n} explains the wiring diagram in some detail.`;
    const long = Array.from({ length: 120 }, (_, n) => sentence(n)).join(" ");
    const chunks = chunkDocument(`# Wiring\n\n${long}`, "markdown");
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(MAX_CHUNK_CHARS);
      expect(c.text.endsWith(".")).toBe(true);
      expect(c.headingPath).toEqual(["Wiring"]);
    }
    const words = "word ".repeat(2_000).trim();
    const cut = chunkDocument(words, "text");
    expect(cut.every((c) => c.text.length <= MAX_CHUNK_CHARS && /^word( word)*$/.test(c.text))).toBe(true);
    expectVerbatim(words, cut);
    // No whitespace at all: cut at the cap, never inside a surrogate pair.
    const emoji = "🔧".repeat(3_000);
    const pieces = chunkDocument(emoji, "text");
    expect(pieces.map((c) => c.text).join("")).toBe(emoji);
    expect(pieces.every((c) => !/[\uD800-\uDBFF]$/.test(c.text))).toBe(true);
  });

  it("gives the same text the same ids on every upload, and repeats distinct ids", () => {
    const first = chunkDocument(MANUAL, "markdown");
    const again = chunkDocument(MANUAL, "markdown");
    expect(again.map((c) => c.id)).toEqual(first.map((c) => c.id));
    expect(first.every((c) => /^[0-9a-f]{12}$/.test(c.id))).toBe(true);
    // An edit elsewhere keeps the other chunks' ids.
    const edited = chunkDocument(MANUAL.replace("first.", "first, then the capacitor."), "markdown");
    expect(edited.slice(0, 3).map((c) => c.id)).toEqual(first.slice(0, 3).map((c) => c.id));
    expect(edited[3]!.id).not.toBe(first[3]!.id);
    // The same paragraph under two headings, and twice under one, gets distinct ids.
    const repeated = chunkDocument("# A\n\nSame.\n\n# B\n\nSame.\n\n# B\n\nSame.", "markdown");
    expect(new Set(repeated.map((c) => c.id)).size).toBe(3);
  });

  it("keeps HTML and script as text, verbatim", () => {
    const text = "# Notes\n\n<script>alert('x')</script> <b>bold</b> <img src=x onerror=alert(1)>";
    const chunks = chunkDocument(text, "markdown");
    expect(chunks[0]!.text).toBe(text);
  });

  it("refuses a document that splits into more chunks than allowed, naming the limit", () => {
    const text = Array.from({ length: 10 }, (_, n) => `# H${n}\n\nbody ${n}`).join("\n\n");
    expect(chunkDocument(text, "markdown", 10)).toHaveLength(10);
    try {
      chunkDocument(text, "markdown", 9);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("validation_failed");
      expect((error as AppError).detail).toContain("MAX_DOCUMENT_CHUNKS");
    }
  });
});
