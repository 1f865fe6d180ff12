/**
 * Reads an HTTP request body with a byte limit, for any edge that takes bodies from outside (the pager's
 * unauthenticated ingest; the tRPC route's own cap): a declared Content-Length over the limit is refused before
 * anything is read, and a body without one (chunked) is read only until it passes the limit, then the stream is
 * cancelled. The limit counts UTF-8 bytes, not characters. Plain web `Request`, so it sits in server/core.
 */
export type LimitedBody = { ok: true; text: string; bytes: number } | { ok: false; status: 400 | 413; message: string };

export async function readBodyWithin(request: Request, maxBytes: number): Promise<LimitedBody> {
  const tooLarge: LimitedBody = { ok: false, status: 413, message: `The body is larger than ${maxBytes} bytes.` };
  const declared = request.headers.get("content-length");
  if (declared !== null && declared.trim() !== "") {
    const length = Number(declared);
    if (!Number.isSafeInteger(length) || length < 0)
      return { ok: false, status: 400, message: "The Content-Length header is not a byte count." };
    if (length > maxBytes) return tooLarge;
  }
  if (!request.body) return { ok: true, text: "", bytes: 0 };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel("body too large").catch(() => {});
      return tooLarge;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(bytes);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, text: new TextDecoder().decode(body), bytes };
}
