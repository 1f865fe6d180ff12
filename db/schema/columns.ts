/** Column helpers shared by every table, so timestamps look the same everywhere. */
import { integer } from "drizzle-orm/sqlite-core";

/** A point in time stored as Unix milliseconds, read as a Date. */
export const timestampColumn = (name: string) => integer(name, { mode: "timestamp_ms" });

/** Unix milliseconds kept as a plain number (hot paths and arithmetic on due times). */
export const epochMsColumn = (name: string) => integer(name);
