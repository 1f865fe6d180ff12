/** Prefixed, unique string ids (`inc_…`, `pol_…`, `rule_…`): readable in logs, sortable by creation time. */
import { randomBytes } from "node:crypto";

let lastMs = 0;
let sequence = 0;

export function createId(prefix: string): string {
  const nowMs = Date.now();
  sequence = nowMs === lastMs ? sequence + 1 : 0;
  lastMs = nowMs;
  const time = nowMs.toString(36).padStart(9, "0");
  const seq = sequence.toString(36).padStart(3, "0");
  return `${prefix}_${time}${seq}${randomBytes(6).toString("hex")}`;
}
