/** Run by `npm start` before anything else: a bad environment stops the start with a message naming the variable. */
import { ConfigError, parseConfig } from "../server/core/config";

try {
  parseConfig(process.env);
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
}
