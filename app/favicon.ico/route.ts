/**
 * `/favicon.ico`: browsers and tools ask for it even when the page names its icon (app/icon.svg); answer with the
 * same picture instead of a 404 on every page.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

export const dynamic = "force-static";

export async function GET(): Promise<Response> {
  const svg = await readFile(path.join(process.cwd(), "app", "icon.svg"));
  return new Response(new Uint8Array(svg), {
    headers: { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" },
  });
}
