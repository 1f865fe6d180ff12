/**
 * Decodes a POST /delay body the way the original Go server does (encoding/json's Decoder into
 * `struct { ID uuid.UUID "json:id"; Delay int "json:delay" }`, then google/uuid), so that every answer
 * matches the contract probe: only the first JSON value is read (trailing bytes are ignored), field names match
 * case-insensitively, unknown fields are ignored, `null` leaves a field at its zero value, the delay must be an
 * integer literal (no fraction, no exponent, no string), and the id accepts the four google/uuid spellings.
 */

export type DelayRequest = { id: string; delay: number };
export type DelayDecodeResult =
  | { ok: true; request: DelayRequest }
  | { ok: false; status: 400; message: "Invalid request body" | "Missing execution ID" };

export const NIL_UUID = "00000000-0000-0000-0000-000000000000";

const INVALID = { ok: false, status: 400, message: "Invalid request body" } as const;
const MISSING = { ok: false, status: 400, message: "Missing execution ID" } as const;

/** A JSON number kept as its literal, so that `5.0` and `1e2` can be told from `5` and `100`. */
type JsonNumber = { literal: string };
type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | Map<string, JsonValue>;

class JsonSyntaxError extends Error {}

class FirstValueParser {
  private position = 0;
  constructor(private readonly text: string) {}

  parse(): JsonValue {
    this.skipSpace();
    if (this.position >= this.text.length) throw new JsonSyntaxError("empty body");
    return this.value();
  }

  private value(): JsonValue {
    this.skipSpace();
    const char = this.text[this.position];
    if (char === "{") return this.object();
    if (char === "[") return this.array();
    if (char === '"') return this.string();
    if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) return this.number();
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return value;
      }
    }
    throw new JsonSyntaxError(`unexpected character at ${this.position}`);
  }

  private object(): Map<string, JsonValue> {
    const members = new Map<string, JsonValue>();
    this.position++;
    this.skipSpace();
    if (this.text[this.position] === "}") {
      this.position++;
      return members;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.position] !== '"') throw new JsonSyntaxError("expected a key");
      const key = this.string();
      this.skipSpace();
      if (this.text[this.position++] !== ":") throw new JsonSyntaxError("expected :");
      members.set(key, this.value());
      this.skipSpace();
      const next = this.text[this.position++];
      if (next === "}") return members;
      if (next !== ",") throw new JsonSyntaxError("expected , or }");
    }
  }

  private array(): JsonValue[] {
    const items: JsonValue[] = [];
    this.position++;
    this.skipSpace();
    if (this.text[this.position] === "]") {
      this.position++;
      return items;
    }
    for (;;) {
      items.push(this.value());
      this.skipSpace();
      const next = this.text[this.position++];
      if (next === "]") return items;
      if (next !== ",") throw new JsonSyntaxError("expected , or ]");
    }
  }

  private string(): string {
    const match = /^"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/.exec(this.text.slice(this.position));
    if (!match) throw new JsonSyntaxError("bad string");
    this.position += match[0].length;
    return JSON.parse(match[0]) as string;
  }

  private number(): JsonNumber {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.position));
    if (!match) throw new JsonSyntaxError("bad number");
    this.position += match[0].length;
    return { literal: match[0] };
  }

  private skipSpace(): void {
    while (this.position < this.text.length && " \t\n\r".includes(this.text[this.position]!)) this.position++;
  }
}

/** google/uuid's Parse: 36 chars with dashes, 38 with any wrapping pair (braces), urn:uuid: prefix, or 32 hex. */
export function parseGoUuid(input: string): string | undefined {
  let text = input;
  if (text.length === 45) {
    if (text.slice(0, 9).toLowerCase() !== "urn:uuid:") return undefined;
    text = text.slice(9);
  } else if (text.length === 38) {
    text = text.slice(1, 37);
  } else if (text.length === 32) {
    if (!/^[0-9a-fA-F]{32}$/.test(text)) return undefined;
    text = `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
  }
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(text)) return undefined;
  return text.toLowerCase();
}

/** Go's case-insensitive field match: an exact key wins, else the last case-insensitive one. */
function field(members: Map<string, JsonValue>, name: string): JsonValue | undefined {
  if (members.has(name)) return members.get(name);
  let found: JsonValue | undefined;
  for (const [key, value] of members) if (key.toLowerCase() === name) found = value;
  return found;
}

export function decodeDelayRequest(body: string): DelayDecodeResult {
  let value: JsonValue;
  try {
    value = new FirstValueParser(body).parse();
  } catch {
    return INVALID;
  }
  if (value === null) return MISSING;
  if (!(value instanceof Map)) return INVALID;

  let id = NIL_UUID;
  const rawId = field(value, "id");
  if (rawId !== undefined && rawId !== null) {
    if (typeof rawId !== "string") return INVALID;
    const parsed = parseGoUuid(rawId);
    if (!parsed) return INVALID;
    id = parsed;
  }

  let delay = 0;
  const rawDelay = field(value, "delay");
  if (rawDelay !== undefined && rawDelay !== null) {
    if (typeof rawDelay !== "object" || !("literal" in rawDelay) || !/^-?\d+$/.test(rawDelay.literal)) return INVALID;
    delay = Number(rawDelay.literal);
    // Go's int is 64-bit; beyond 2^53 JavaScript would round, so such delays are refused as out of range.
    if (!Number.isSafeInteger(delay)) return INVALID;
  }

  if (id === NIL_UUID) return MISSING;
  return { ok: true, request: { id, delay } };
}
