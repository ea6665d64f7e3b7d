import type { Context } from "hono";
import { AppError, parseOr422 } from "../../schemas/errors";
import {
  DocumentUpload,
  DocumentUploadQuery,
  DocumentUrlUpload,
  DocumentVersionUpload,
  DocumentVersionUrlUpload,
  MAX_UPLOAD_BYTES,
  type DocumentFormat,
} from "../../schemas/library";
import type { AppEnv } from "../env";
import { allowedOrigins, fetchDocument } from "./fetch-url";
import { pdfToMarkdown } from "./pdf";
import { PROBLEMS } from "../routes/shared";

/**
 * The one reader of document uploads, for the shared library's routes and a tenant's own
 * documents alike. A request carries its document in one of three ways:
 *
 * - JSON `DocumentUpload` (`{id?, title, format, text}`), as MAX_BODY_BYTES allows;
 * - JSON `{id?, title, url}`: the Worker fetches the URL (fetch-url.ts: SSRF-guarded, https) and
 *   reads the answer by its Content-Type;
 * - a raw body, `Content-Type: text/markdown | text/plain | application/pdf`, up to MAX_UPLOAD_BYTES
 *   (the body guard admits that much on UPLOAD_PATHS), with `?title=…&id=…`.
 *
 * A body that is not what its type claims (a PNG as a PDF, a PDF as Markdown, bytes that are not
 * UTF-8 as text), an empty one, or a PDF without a text layer is a 422; sizes are 413s (pdf.ts
 * bounds a PDF's streams, pages, text and time). Nothing is written by a refused upload: the
 * document reaches the library only once it is text.
 */
export const RAW_DOCUMENT_TYPES = ["text/markdown", "text/plain", "application/pdf"] as const;
export type RawDocumentType = (typeof RAW_DOCUMENT_TYPES)[number];

/** `create`: a new document (an id may be given); `version`: a new version (the id is the path's). */
export type UploadKind = "create" | "version";

/**
 * `beforeWork` runs before anything costly (fetching a URL, reading a raw body up to
 * MAX_UPLOAD_BYTES, parsing a PDF): a route whose permission is decided later (in the tenant
 * object) asks there first, so a caller who may not write makes the Worker do none of it.
 */
export async function readDocumentUpload(
  c: Context<AppEnv>,
  kind: UploadKind = "create",
  beforeWork: () => Promise<void> = async () => {},
): Promise<DocumentUpload> {
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const query = parseOr422(DocumentUploadQuery, queryObject(c));
  if (mediaType === "application/json") {
    if (query.title !== undefined || query.id !== undefined)
      throw validation("(query)", "title and id go in the JSON body; the query names them only for a raw body");
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new AppError("invalid_json", "the request body is not valid JSON");
    }
    if (typeof body === "object" && body !== null && "url" in body) {
      const upload = parseOr422(kind === "create" ? DocumentUrlUpload : DocumentVersionUrlUpload, body);
      await beforeWork();
      const fetched = await fetchDocument(upload.url, { allowOrigins: allowedOrigins(c.env.DOCUMENT_FETCH_ALLOW_ORIGINS) });
      const type = rawType(fetched.mediaType);
      if (!type)
        throw validation(
          "url",
          `the URL answered with ${fetched.mediaType || "no content type"}; accepted: ${RAW_DOCUMENT_TYPES.join(", ")}`,
        );
      const { url: _url, ...rest } = upload;
      return parsed(kind, { ...rest, ...(await documentText(fetched.bytes, type, "url")) });
    }
    return parsed(kind, body);
  }
  const type = rawType(mediaType);
  if (!type)
    throw new AppError(
      "unsupported_media_type",
      `this route accepts application/json, ${RAW_DOCUMENT_TYPES.join(", ")} bodies (${mediaType || "no content type"} given)`,
    );
  if (kind === "version" && query.id !== undefined) throw validation("id", "a new version's id is the path's");
  if (query.title === undefined) throw validation("title", "is required (in the query) with a raw body");
  await beforeWork();
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > MAX_UPLOAD_BYTES)
    throw new AppError("payload_too_large", `the upload exceeds ${MAX_UPLOAD_BYTES} bytes (MAX_UPLOAD_BYTES)`);
  return parsed(kind, { ...(query.id === undefined ? {} : { id: query.id }), title: query.title, ...(await documentText(bytes, type)) });
}

/** The document's format and text from bytes of a raw type; 422 when the bytes are not what the type says. */
export async function documentText(
  bytes: Uint8Array,
  type: RawDocumentType,
  path = "(body)",
): Promise<{ format: DocumentFormat; text: string }> {
  const what = path === "url" ? "the document at the URL" : "the body";
  if (bytes.byteLength === 0) throw validation(path, "the document is empty");
  const sniffed = sniff(bytes);
  if (type === "application/pdf") {
    // A PDF may have up to 1 KB before its header (ISO 32000-1, annex H).
    const pdf = new TextDecoder("latin1").decode(bytes.subarray(0, 1024)).includes("%PDF-");
    if (!pdf) throw validation(path, `${what} is ${sniffed === "text" ? "text" : `a ${sniffed} file`}, not a PDF`);
    return { format: "markdown", text: await pdfToMarkdown(bytes, path) };
  }
  if (sniffed !== "text") throw validation(path, `${what} is a ${sniffed} file, not ${type}: send a PDF as application/pdf`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw validation(path, `${what} is not valid UTF-8 ${type}`);
  }
  if (text.trim() === "") throw validation(path, "the document is empty");
  return { format: type === "text/markdown" ? "markdown" : "text", text };
}

/** Known binary signatures (bytes, compared as bytes); text otherwise, unless a NUL byte makes it binary. */
const SIGNATURES: [string, number[]][] = [
  ["pdf", [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ["PNG", [0x89, 0x50, 0x4e, 0x47]],
  ["JPEG", [0xff, 0xd8, 0xff]],
  ["GIF", [0x47, 0x49, 0x46, 0x38]],
  ["ZIP (or Office)", [0x50, 0x4b, 0x03, 0x04]],
  ["gzip", [0x1f, 0x8b]],
];

function sniff(bytes: Uint8Array): string {
  for (const [name, signature] of SIGNATURES) if (signature.every((b, i) => bytes[i] === b)) return name;
  return bytes.subarray(0, 1024).includes(0) ? "binary" : "text";
}

function rawType(mediaType: string): RawDocumentType | undefined {
  if (mediaType === "text/x-markdown") return "text/markdown";
  return RAW_DOCUMENT_TYPES.find((t) => t === mediaType);
}

function parsed(kind: UploadKind, value: unknown): DocumentUpload {
  return kind === "create" ? parseOr422(DocumentUpload, value) : parseOr422(DocumentVersionUpload, value);
}

/** The query as an object; a name given twice is an array, which the schema refuses. */
function queryObject(c: Context<AppEnv>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(c.req.queries()).map(([name, values]) => [name, values.length === 1 ? values[0]! : values]));
}

const validation = (path: string, message: string) =>
  new AppError("validation_failed", path.startsWith("(") || message.startsWith("the ") ? message : `${path} ${message}`, {
    errors: [{ path, message }],
  });

/**
 * The OpenAPI request body of an upload route: every accepted content type. The JSON schema is a
 * reference (not a zod schema), so @hono/zod-openapi adds no JSON validator that would refuse the
 * raw types; `readDocumentUpload` checks every body itself. `names` are the components of the
 * upload and the URL upload (the route module registers them).
 */
export function documentUploadBody(names: { upload: string; url: string }, description: string) {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const raw = (what: string) => ({
    schema: {
      type: "string" as const,
      description: `${what}; \`title\` (and on POST \`id\`) in the query; at most ${MAX_UPLOAD_BYTES} bytes`,
    },
  });
  return {
    required: true,
    description,
    content: {
      "application/json": { schema: { oneOf: [ref(names.upload), ref(names.url)] } },
      "text/markdown": raw("Markdown (UTF-8), split at its headings"),
      "text/plain": raw("Plain text (UTF-8), split at blank lines"),
      "application/pdf": {
        schema: {
          type: "string" as const,
          format: "binary",
          description: `A PDF with a text layer, each page a section "Page N"; \`title\` (and on POST \`id\`) in the query; at most ${MAX_UPLOAD_BYTES} bytes`,
        },
      },
    },
  };
}

/** What an upload route accepts, its problems and its 202, in the words of every upload route (library and tenant). */
export const UPLOAD_FORMATS =
  "JSON `{id?, title, format, text}`, JSON `{id?, title, url}` (fetched by the Worker: https, public hosts, at most 3 redirects), " +
  "or the document itself as text/markdown, text/plain or application/pdf (a text layer) with `?title=…` (and `&id=…`)";
export const UPLOAD_PROBLEMS = {
  413: {
    description:
      "Body over MAX_BODY_BYTES (JSON) or MAX_UPLOAD_BYTES (raw), a document at the URL over MAX_UPLOAD_BYTES, or a PDF whose streams inflate past MAX_PDF_INFLATED_BYTES",
    content: PROBLEMS[413].content,
  },
  422: {
    description:
      "Invalid fields; a body that is not what its type says, empty, not UTF-8, an encrypted PDF or one without a text layer; a URL refused, unreachable or answering another type",
    content: PROBLEMS[422].content,
  },
};
export const INDEXING =
  "Accepted: the first chunks are indexed, the rest are being indexed in the background (`status: indexing`); read the document for progress";
