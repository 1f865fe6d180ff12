/**
 * Test fixture: opens (and so migrates) the SQLite file named on the command line, in its own process. It loads
 * first and prints "loaded", then opens on the line "go" from standard input, so that a test can start several at
 * the same moment.
 */
import { createInterface } from "node:readline";
import { openDatabase } from "./client";

const filePath = process.argv[2];
if (!filePath) throw new Error("usage: node --import tsx db/open-database.fixture.ts <file>");
console.log("loaded");
createInterface({ input: process.stdin }).once("line", () => {
  openDatabase(filePath).$client.close();
  console.log("migrated");
  process.exit(0);
});
