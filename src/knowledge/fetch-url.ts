import { readCapped } from "../read-capped";
import { AppError } from "../../schemas/errors";
import { MAX_UPLOAD_BYTES } from "../../schemas/library";

/**
 * A document fetched by the Worker from a URL an operator gave, guarded against server-side
 * request forgery (docs: the decision on URL uploads):
 *
 * - https only, on any origin that is not refused below; `http:` and loopback origins only when
 *   DOCUMENT_FETCH_ALLOW_ORIGINS names the origin exactly (tests and local development set it;
 *   production leaves it empty);
 * - no credentials in the URL; no host that is `localhost` (or under it), a bare name without a dot,
 *   or under `.local`, `.internal`, `.localdomain`, `.home.arpa`; no literal address that is
 *   unspecified, loopback, private, link-local (169.254.169.254, the cloud metadata address),
 *   CGNAT, benchmarking, documentation, multicast or reserved, nor IPv6 unique-local (fd00:ec2::254),
 *   link-local, loopback, or IPv4-mapped / NAT64 forms of a refused IPv4 address (the URL parser
 *   has already turned `2130706433`, `0x7f.1` and `[::ffff:7f00:1]` into their canonical forms);
 * - redirects followed by hand, each hop checked again, at most MAX_REDIRECTS;
 * - MAX_UPLOAD_BYTES counted while the body streams in (413), FETCH_TIMEOUT_MS for all of it (422).
 *
 * DNS is not resolved here (Workers cannot): a public name that resolves to a private address is
 * left to Cloudflare's own fetch, which does not connect to private or reserved addresses.
 */
export const MAX_REDIRECTS = 3;
export const FETCH_TIMEOUT_MS = 15_000;

export interface FetchedDocument {
  bytes: Uint8Array;
  /** The answer's media type, lower-cased, without parameters. */
  mediaType: string;
  /** Where the document was in the end (after redirects). */
  url: string;
}

export interface FetchOptions {
  /** Origins admitted although http: or loopback (DOCUMENT_FETCH_ALLOW_ORIGINS). */
  allowOrigins: ReadonlySet<string>;
  timeoutMs?: number;
  maxBytes?: number;
}

const refuse = (detail: string) => new AppError("validation_failed", detail, { errors: [{ path: "url", message: detail }] });

/** DOCUMENT_FETCH_ALLOW_ORIGINS: a comma-separated list of origins (`http://127.0.0.1:8788`). */
export function allowedOrigins(value: string | undefined): Set<string> {
  const origins = new Set<string>();
  for (const entry of (value ?? "").split(",")) {
    const trimmed = entry.trim();
    if (trimmed === "") continue;
    try {
      origins.add(new URL(trimmed).origin);
    } catch {
      // A malformed entry admits nothing.
    }
  }
  return origins;
}

export async function fetchDocument(url: string, options: FetchOptions): Promise<FetchedDocument> {
  const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES;
  const signal = AbortSignal.timeout(timeoutMs);
  const timedOut = () => refuse(`the URL did not deliver the document within ${timeoutMs} ms`);
  let target = checkUrl(url, options.allowOrigins);
  try {
    for (let hop = 0; ; hop++) {
      let response: Response;
      try {
        response = await fetch(target.href, { redirect: "manual", signal, headers: { accept: ACCEPT } });
      } catch {
        if (signal.aborted) throw timedOut();
        throw refuse(`the URL could not be fetched (${target.origin})`);
      }
      if (response.status >= 300 && response.status < 400 && response.headers.has("location")) {
        await response.body?.cancel().catch(() => {});
        if (hop >= MAX_REDIRECTS) throw refuse(`the URL redirects more than ${MAX_REDIRECTS} times`);
        let next: URL;
        try {
          next = new URL(response.headers.get("location") ?? "", target);
        } catch {
          throw refuse("the URL redirects to a malformed location");
        }
        target = checkUrl(next.href, options.allowOrigins, "redirects to");
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw refuse(`the URL answered ${response.status}`);
      }
      const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      const declared = Number(response.headers.get("content-length") ?? "0");
      if (declared > maxBytes) {
        await response.body?.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      return { bytes: await readCapped(response.body, maxBytes, () => tooLarge(maxBytes)), mediaType, url: target.href };
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (signal.aborted) throw timedOut();
    throw refuse(`the URL could not be fetched (${target.origin})`);
  }
}

const ACCEPT = "application/pdf, text/markdown, text/plain;q=0.9";

const tooLarge = (max: number) =>
  new AppError("payload_too_large", `the document at the URL is larger than ${max} bytes (MAX_UPLOAD_BYTES)`);

/** The URL, parsed, if the Worker may fetch it; a 422 naming why not otherwise. */
export function checkUrl(value: string, allowOrigins: ReadonlySet<string>, verb = "is"): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse("must be an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw refuse(`the URL ${verb} not http(s)`);
  if (url.username !== "" || url.password !== "") throw refuse("the URL may not carry credentials");
  if (allowOrigins.has(url.origin)) return url;
  if (url.protocol !== "https:") throw refuse(`the URL ${verb} plain http: only https is fetched`);
  const reason = refusedHost(url.hostname);
  if (reason) throw refuse(`the URL ${verb} ${reason}`);
  return url;
}

/** Why a host may not be fetched, or null. `hostname` is the URL parser's (lower-case, IPv6 in brackets). */
export function refusedHost(hostname: string): string | null {
  const host = hostname.replace(/\.$/, "");
  if (host.startsWith("[")) return refusedIpv6(host.slice(1, -1));
  const v4 = parseIpv4(host);
  if (v4) return refusedIpv4(v4);
  if (host === "localhost" || host.endsWith(".localhost")) return "a loopback host name";
  if (!host.includes(".")) return "a host name without a domain";
  if (/\.(local|internal|localdomain|home\.arpa|lan|intranet)$/.test(host)) return "a local network host name";
  return null;
}

function parseIpv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

/** [first address, prefix length] of the IPv4 ranges never fetched. */
const REFUSED_V4: [number[], number, string][] = [
  [[0, 0, 0, 0], 8, "an unspecified address"],
  [[10, 0, 0, 0], 8, "a private address"],
  [[100, 64, 0, 0], 10, "a carrier-grade NAT address"],
  [[127, 0, 0, 0], 8, "a loopback address"],
  [[169, 254, 0, 0], 16, "a link-local address (cloud metadata)"],
  [[172, 16, 0, 0], 12, "a private address"],
  [[192, 0, 0, 0], 24, "a reserved address"],
  [[192, 0, 2, 0], 24, "a documentation address"],
  [[192, 88, 99, 0], 24, "a reserved address"],
  [[192, 168, 0, 0], 16, "a private address"],
  [[198, 18, 0, 0], 15, "a benchmarking address"],
  [[198, 51, 100, 0], 24, "a documentation address"],
  [[203, 0, 113, 0], 24, "a documentation address"],
  [[224, 0, 0, 0], 4, "a multicast address"],
  [[240, 0, 0, 0], 4, "a reserved address"],
];

const v4Number = (p: number[]) => (((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!) >>> 0;

function refusedIpv4(parts: number[]): string | null {
  const n = v4Number(parts);
  for (const [base, prefix, reason] of REFUSED_V4) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((n & mask) >>> 0 === (v4Number(base) & mask) >>> 0) return reason;
  }
  return null;
}

/** 8 groups of 16 bits from the parser's canonical IPv6 text (it may end in a dotted IPv4). */
function ipv6Groups(text: string): number[] | null {
  let head = text;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]!);
    if (!v4) return null;
    tail.push((v4[0]! << 8) + v4[1]!, (v4[2]! << 8) + v4[3]!);
    head = text.slice(0, -dotted[1]!.length).replace(/:$/, ":0").replace(/::0$/, "::");
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const [left, right] = head.split("::") as [string, string | undefined];
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const l = parse(left);
  const r = right === undefined ? [] : parse(right);
  const missing = 8 - tail.length - l.length - r.length;
  if (right === undefined && missing !== 0) return null;
  const groups = [...l, ...new Array<number>(Math.max(0, missing)).fill(0), ...r, ...tail];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

function refusedIpv6(text: string): string | null {
  const g = ipv6Groups(text);
  if (!g) return "a malformed IPv6 address";
  const embedded = () => [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff];
  if (g.every((x) => x === 0)) return "an unspecified address";
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return "a loopback address";
  // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible): the IPv4 address decides.
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) return refusedIpv4(embedded()) ?? "an IPv4-mapped address";
  // 64:ff9b::/96 (NAT64) reaches the embedded IPv4 address.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return refusedIpv4(embedded());
  if ((g[0]! & 0xfe00) === 0xfc00) return "a unique-local address";
  if ((g[0]! & 0xffc0) === 0xfe80) return "a link-local address";
  if ((g[0]! & 0xffc0) === 0xfec0) return "a site-local address";
  if ((g[0]! & 0xff00) === 0xff00) return "a multicast address";
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "a documentation address";
  return null;
}
