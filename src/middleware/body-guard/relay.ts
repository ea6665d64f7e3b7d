/**
 * A streamed request body (an import) handed on to a tenant object, with the rest kept ours.
 *
 * When the object refuses an upload before reading it (a non-admin, a tenant that is not empty),
 * it drops the stream it was given over RPC. Handing it the request body itself let that
 * cancellation reach the client's connection while the client was still sending: the client saw
 * ECONNRESET, or wrangler dev's plain-text "500 Network connection lost" without a request id,
 * instead of our problem answer. The object gets a relay instead: cancelling the relay never
 * cancels the request body, and after an error answer the router reads what is left of the body
 * (up to DRAIN_LIMIT_BYTES) and discards it, so the client finishes sending and reads the answer.
 */
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

export interface RelayedBody {
  /** What the object reads. */
  stream: ReadableStream<Uint8Array>;
  /** Reads and discards the rest of the request body, at most `limit` bytes; never throws. */
  drain(limit?: number): Promise<void>;
}

export function relayBody(body: ReadableStream<Uint8Array>): RelayedBody {
  const reader = body.getReader();
  let finished = false;
  // workerd's request bodies take one pending read at a time: the relay's pull and the drain
  // queue theirs behind each other.
  let tail: Promise<unknown> = Promise.resolve();
  const read = (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    const next = tail.then(() => reader.read());
    tail = next.catch(() => {});
    return next;
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await read();
      } catch (error) {
        finished = true;
        controller.error(error);
        return;
      }
      try {
        if (chunk.done) {
          finished = true;
          controller.close();
        } else {
          controller.enqueue(chunk.value);
        }
      } catch {
        // Cancelled meanwhile: the chunk is the drain's to discard.
      }
    },
    // The object stopped reading: the request body stays ours to drain.
    cancel() {},
  });
  return {
    stream,
    async drain(limit = DRAIN_LIMIT_BYTES) {
      let drained = 0;
      try {
        while (!finished && drained <= limit) {
          const { done, value } = await read();
          if (done) finished = true;
          else drained += value.byteLength;
        }
      } catch {
        // The client went away: nothing left to drain.
      }
    },
  };
}
