import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";
import { expectProblem } from "../helpers/expect-api";
import { basicData, createTenant, ingestAs, tenantWithCast } from "../helpers/world";

/**
 * A large upload refused before it is read (an import into a tenant that holds records, or by a
 * non-admin, or without credentials) is answered with the problem and its request id, and the
 * router reads the rest of the upload: a client that is still sending can finish and read the
 * answer, instead of seeing its connection reset. The upload here is a counting stream, so the
 * test sees how much of it was read.
 */
const UPLOAD_BYTES = 6 * 1024 * 1024;
const CHUNK = 64 * 1024;

/** `bytes` of NDJSON-looking text in 64 KiB chunks; `read()` says how many bytes were pulled so far. */
function countedUpload(bytes: number): { body: ReadableStream<Uint8Array>; read: () => number } {
  const line = new TextEncoder().encode(`${JSON.stringify({ type: "record", kind: "note", data: { pad: "x".repeat(200) } })}\n`);
  const chunk = new Uint8Array(CHUNK);
  for (let i = 0; i < CHUNK; i += line.length) chunk.set(line.subarray(0, Math.min(line.length, CHUNK - i)), i);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const n = Math.min(CHUNK, bytes - sent);
      sent += n;
      controller.enqueue(chunk.slice(0, n));
    },
  });
  return { body, read: () => sent };
}

async function upload(options: { token?: string; tenant?: string }) {
  const upload = countedUpload(UPLOAD_BYTES);
  const res = await call("/v1/admin/import", {
    method: "POST",
    ...options,
    rawBody: upload.body,
    headers: { "content-type": "application/x-ndjson" },
  });
  return { res, read: upload.read() };
}

describe("a large import refused before it is read", () => {
  it("into a tenant that holds records: 409 problem with its request id, and the upload read to its end", async () => {
    const cast = await tenantWithCast("bigref");
    await ingestAs(cast.dispatcher, cast.tenantId, basicData(cast));
    for (let i = 0; i < 3; i++) {
      const { res, read } = await upload({ token: cast.admin, tenant: cast.tenantId });
      expectProblem(res, 409, "conflict");
      expect(read).toBe(UPLOAD_BYTES);
    }
  });

  it("by a non-admin: 403 problem, upload drained", async () => {
    const cast = await tenantWithCast("bigdisp");
    const { res, read } = await upload({ token: cast.dispatcher, tenant: cast.tenantId });
    expectProblem(res, 403, "forbidden");
    expect(read).toBe(UPLOAD_BYTES);
  });

  it("without credentials: 401 problem, upload drained", async () => {
    const tenantId = await createTenant("bigauth");
    const { res, read } = await upload({ tenant: tenantId });
    expectProblem(res, 401, "unauthenticated");
    expect(read).toBe(UPLOAD_BYTES);
  });
});
