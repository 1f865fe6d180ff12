/** The HTTP body reader counts bytes, refuses a declared oversize body unread, and stops reading a long chunked one. */
import { describe, expect, it } from "vitest";
import { readBodyWithin } from "./http-body";

function streamOf(chunks: string[], onPull?: () => void): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream(
    {
      pull(controller) {
        onPull?.();
        if (index < chunks.length) controller.enqueue(new TextEncoder().encode(chunks[index++]!));
        else controller.close();
      },
    },
    // Nothing is pulled before someone reads.
    { highWaterMark: 0 },
  );
}

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request("http://127.0.0.1/api/v1/pager/events", { method: "POST", body, headers, duplex: "half" } as RequestInit);

describe("reading an ingest body within a byte limit", () => {
  it("refuses a body whose Content-Length is over the limit without reading it", async () => {
    let pulls = 0;
    const result = await readBodyWithin(
      post(
        streamOf(["{}"], () => pulls++),
        { "content-length": "2000" },
      ),
      1000,
    );
    expect(result).toEqual({ ok: false, status: 413, message: "The body is larger than 1000 bytes." });
    expect(pulls).toBe(0);
  });

  it("counts UTF-8 bytes, not characters", async () => {
    const text = "é".repeat(600); // 600 characters, 1,200 bytes
    expect(await readBodyWithin(post(text), 1000)).toMatchObject({ ok: false, status: 413 });
    expect(await readBodyWithin(post(text), 1200)).toEqual({ ok: true, text, bytes: 1200 });
  });

  it("stops reading a chunked body as soon as it passes the limit", async () => {
    let pulls = 0;
    const chunks = Array.from({ length: 100 }, () => "x".repeat(400));
    expect(await readBodyWithin(post(streamOf(chunks, () => pulls++)), 1000)).toMatchObject({ ok: false, status: 413 });
    expect(pulls).toBeLessThan(10);
  });

  it("answers 400 to a Content-Length that is not a byte count", async () => {
    expect(
      await readBodyWithin(
        new Request("http://127.0.0.1/", { method: "POST", body: "{}", headers: { "content-length": "lots" } }),
        1000,
      ),
    ).toMatchObject({ ok: false, status: 400 });
  });
});
