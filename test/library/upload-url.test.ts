import { beforeAll, describe, expect, it } from "vitest";
import { MAX_UPLOAD_BYTES } from "../../schemas/library";
import { checkUrl, fetchDocument, refusedHost } from "../../src/knowledge/fetch-url";
import { call } from "../helpers/api";
import { expectOk, expectProblem, expectValidationAt } from "../helpers/expect-api";
import { DOCUMENT_HOST as HOST, hits, libraryState, serve, uniqueWord } from "../helpers/library";
import { makePdf } from "../helpers/pdf";
import { operatorToken, tenantWithCast, uniqueId, type Cast } from "../helpers/world";

/**
 * Uploads from a URL (src/knowledge/fetch-url.ts): the Worker fetches the document from the
 * loopback document host of test/global-setup.ts, which the tests' DOCUMENT_FETCH_ALLOW_ORIGINS
 * admits explicitly; every other loopback, private or metadata address, plain http, too many
 * redirects, too big, too slow and the wrong type are refused with a 4xx, nothing written.
 */
const DOCS = "/v1/platform/library/documents";

let operator: string;
let cast: Cast;

beforeAll(async () => {
  operator = await operatorToken();
  cast = await tenantWithCast("url");
});

const fromUrl = (url: string, extra: Record<string, unknown> = {}) =>
  call(DOCS, { token: operator, body: { title: "Fetched", url, ...extra } });

describe("uploads from a URL", () => {
  it("fetches Markdown and a PDF from an allowed origin, following a redirect, and indexes them", async () => {
    const [wm, wp] = [uniqueWord(), uniqueWord()];
    const md = await serve(uniqueId("md"), {
      headers: { "content-type": "text/markdown; charset=utf-8" },
      body: `# Guide\n\nThe ${wm} step.`,
    });
    const id = uniqueId("url-md");
    expect(expectOk(await fromUrl(md, { id }), 201)).toMatchObject({ id, title: "Fetched", format: "markdown", status: "ready" });
    const pdfName = uniqueId("pdf");
    const pdf = await serve(pdfName, { headers: { "content-type": "application/pdf" }, body: await makePdf([[`Check the ${wp} relay.`]]) });
    const hop = await serve(uniqueId("hop"), { status: 302, headers: { location: pdf } });
    const created = expectOk(await fromUrl(hop), 201);
    expect(created).toMatchObject({ format: "markdown", status: "ready" });
    expect(await hits(pdfName)).toBe(1);
    for (const w of [wm, wp]) expect(expectOk(await call(`/v1/library/search?q=${w}`, { token: cast.technician })).hits).toHaveLength(1);
    // A new version from a URL.
    const v2 = expectOk(await call(`${DOCS}/${id}`, { token: operator, method: "PUT", body: { title: "Fetched v2", url: pdf } }), 200);
    expect(v2).toMatchObject({ id, version: 2, title: "Fetched v2" });
  });

  it("refuses private and metadata addresses, plain http, redirects there or past 3, too big, slow and mistyped answers; nothing written", async () => {
    const before = await libraryState();
    const refused = async (url: string, says: string) => {
      const res = await fromUrl(url);
      expectValidationAt(res, "url");
      expect(res.body.detail).toContain(says);
    };
    await refused("http://example.com/manual.pdf", "plain http");
    await refused("https://127.0.0.1/manual.pdf", "loopback");
    await refused("https://169.254.169.254/latest/meta-data/", "metadata");
    await refused("https://[fd00:ec2::254]/latest/meta-data/", "unique-local");
    await refused("https://localhost/x", "loopback host name");
    await refused(`${HOST.replace("127.0.0.1", "localhost")}/x`, "plain http");
    await refused("https://user:secret@example.com/x", "credentials");
    expectValidationAt(await fromUrl("ftp://example.com/x"), "url");
    expectValidationAt(await fromUrl("not a url"), "url");

    for (const [target, says] of [
      ["http://127.0.0.1:1/x", "plain http"],
      ["https://127.0.0.1/x", "loopback"],
      ["https://169.254.169.254/latest/meta-data/iam", "metadata"],
      ["https://[::ffff:a9fe:a9fe]/", "metadata"],
      ["https://10.0.0.8/", "private"],
    ] as const)
      await refused(
        await serve(uniqueId("bounce"), { status: 302, headers: { location: target } }),
        `redirects to ${says.startsWith("plain") ? "" : "a"}`,
      );

    // Four redirects (the fourth is refused), each hop on the allowed origin.
    const last = await serve(uniqueId("end"), { headers: { "content-type": "text/plain" }, body: "never reached" });
    let url = last;
    for (let n = 0; n < 4; n++) url = await serve(uniqueId("chain"), { status: 301, headers: { location: url } });
    await refused(url, "redirects more than 3 times");

    await refused(await serve(uniqueId("html"), { headers: { "content-type": "text/html" }, body: "<html></html>" }), "text/html");
    await refused(
      await serve(uniqueId("png"), {
        headers: { "content-type": "application/pdf" },
        body: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0]),
      }),
      "not a PDF",
    );
    await refused(await serve(uniqueId("gone"), { status: 404 }), "answered 404");
    const big = await serve(uniqueId("big"), { headers: { "content-type": "text/plain" }, body: "a".repeat(MAX_UPLOAD_BYTES + 1) });
    const tooBig = expectProblem(await fromUrl(big), 413, "payload_too_large");
    expect(tooBig.detail).toContain("MAX_UPLOAD_BYTES");
    expect(await libraryState()).toEqual(before);
  });

  it("refuses members before reading anything: no fetch, no PDF read", async () => {
    const name = uniqueId("member");
    const url = await serve(name, { headers: { "content-type": "text/plain" }, body: "a member's document" });
    for (const token of [cast.admin, cast.technician]) {
      expectProblem(await call(DOCS, { token, body: { title: "T", url } }), 403, "forbidden");
      expectProblem(
        await call(`${DOCS}?title=T`, { token, rawBody: await makePdf([["x"]]), headers: { "content-type": "application/pdf" } }),
        403,
        "forbidden",
      );
    }
    expect(await hits(name)).toBe(0);
  });

  it("stops reading a host that streams past the size cap or too slowly", async () => {
    const allow = new Set([new URL(HOST).origin]);
    // No Content-Length, bytes forever: the cap is counted while streaming.
    const endless = await serve(uniqueId("endless"), {
      headers: { "content-type": "text/plain" },
      dribble: { bytes: 64 * 1024, everyMs: 1 },
    });
    await expect(fetchDocument(endless, { allowOrigins: allow, maxBytes: 256 * 1024 })).rejects.toMatchObject({ status: 413 });
    // A few bytes a second: the time cap ends it.
    const slow = await serve(uniqueId("slow"), { headers: { "content-type": "text/plain" }, dribble: { bytes: 1, everyMs: 200 } });
    await expect(fetchDocument(slow, { allowOrigins: allow, timeoutMs: 600 })).rejects.toMatchObject({
      status: 422,
      detail: expect.stringContaining("within 600 ms"),
    });
    const late = await serve(uniqueId("late"), { headers: { "content-type": "text/plain" }, body: "x", delayMs: 2_000 });
    await expect(fetchDocument(late, { allowOrigins: allow, timeoutMs: 300 })).rejects.toMatchObject({ status: 422 });
  });

  it("classifies literal addresses and host names", () => {
    const refused = [
      "127.0.0.1",
      "127.1.2.3",
      "0.0.0.0",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "100.127.255.255",
      "198.18.0.1",
      "224.0.0.1",
      "255.255.255.255",
      "[::1]",
      "[::]",
      "[fd00:ec2::254]",
      "[fc00::1]",
      "[fe80::1]",
      "[::ffff:7f00:1]",
      "[::ffff:a9fe:a9fe]",
      "[64:ff9b::a9fe:a9fe]",
      "[ff02::1]",
      "localhost",
      "a.localhost",
      "printer.local",
      "metadata.google.internal",
      "intranet",
    ];
    for (const host of refused) expect(refusedHost(host), host).not.toBeNull();
    for (const host of ["example.com", "8.8.8.8", "172.32.0.1", "100.128.0.1", "[2606:4700:4700::1111]", "manuals.example.co.uk"])
      expect(refusedHost(host), host).toBeNull();
    // The URL parser's canonical forms: decimal, hex and short IPv4, bracketed mapped IPv6.
    for (const url of [
      "https://2130706433/",
      "https://0x7f.1/",
      "https://127.1/",
      "https://[::ffff:127.0.0.1]/",
      "https://[0:0:0:0:0:ffff:169.254.169.254]/",
    ])
      expect(() => checkUrl(url, new Set()), url).toThrow();
    expect(checkUrl("https://example.com/a.pdf", new Set()).href).toBe("https://example.com/a.pdf");
  });
});
