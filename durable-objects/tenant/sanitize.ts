import { AppError } from "../../schemas/errors";

/**
 * Notes are plain text. HTML input (from e-mail, rich-text editors, FSM exports) is reduced to
 * its text: scripts, styles and comments are dropped with their content, tags are removed
 * (block tags become line breaks), entities are decoded once. Text without markup is kept as
 * it is, apart from control characters, so "a < b" survives.
 */
const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  deg: "°",
  copy: "©",
  reg: "®",
  trade: "™",
  times: "×",
};
const BLOCK_TAGS = /^(br|p|div|li|ul|ol|tr|td|th|table|h[1-6]|section|article|header|footer|blockquote|pre|hr)$/i;
const LOOKS_LIKE_HTML = /<\/?[a-zA-Z][^>]*>|<!--|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);/;

export function toPlainText(input: string): string {
  let text = input.replace(/\r\n?/g, "\n");
  if (LOOKS_LIKE_HTML.test(text)) {
    text = text
      .replace(/<!--[\s\S]*?(-->|$)/g, "")
      .replace(/<(script|style|template|iframe|object|noscript)\b[\s\S]*?(<\s*\/\s*\1\s*>|$)/gi, "")
      .replace(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>/g, (_m, _slash: string, tag: string) => (BLOCK_TAGS.test(tag) ? "\n" : ""))
      .replace(/<\/?[a-zA-Z][^>]*$/g, "")
      .replace(/&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (m, ent: string) => decodeEntity(ent) ?? m)
      .replace(/[ \t]+\n/g, "\n")
      .replace(/\n{3,}/g, "\n\n");
  }
  // Control characters other than tab and newline carry no meaning in a note.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "").trim();
}

function decodeEntity(entity: string): string | undefined {
  if (entity.startsWith("#")) {
    const code = entity[1] === "x" || entity[1] === "X" ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
    if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    return String.fromCodePoint(code);
  }
  return NAMED_ENTITIES[entity.toLowerCase()];
}

/** The one message for free text that markup removal leaves empty. */
export const EMPTY_TEXT = "is empty once reduced to plain text";

/** Free text reduced to plain text, or a 422 naming `path` when nothing is left. */
export function requirePlainText(value: string, path: string): string {
  const plain = toPlainText(value);
  if (plain === "") throw new AppError("validation_failed", `the ${path} ${EMPTY_TEXT}`, { errors: [{ path, message: EMPTY_TEXT }] });
  return plain;
}
