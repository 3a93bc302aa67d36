import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  commandResultSchema,
  enrollRequestSchema,
  hostFactsSchema,
  inspectAnswerSchema,
  parseReport,
  reportShape,
  usageAnswerSchema,
} from "@/lib/fleet/protocol";
import { cleanStrings } from "@/lib/text/clean";

// Every string an agent can send the hub is cleaned (issue 41, hole 1: a NUL in an end reason
// cut a host off a PostgreSQL hub). Not a list of fields: a message is made from the protocol's
// own schemas with a NUL and a lone surrogate in every string that may hold any text, so a field
// added later is tried as soon as it exists.

const POISON = "a\u0000b\ud800c";
const dirty = (s: string) => s.includes("\u0000") || !s.isWellFormed();

interface Made {
  value: unknown;
  /** Where the message holds POISON (a string that takes any text). */
  poisoned: string[];
}

type Def = { type: string } & Record<string, unknown>;
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/** A value the schema accepts, every free string in it poisoned; recursive schemas are followed `depth` levels. */
function make(schema: z.ZodType, where: string, poisoned: string[], depth = 0): unknown {
  const def = defOf(schema);
  const inner = (s: unknown, w = where) => make(s as z.ZodType, w, poisoned, depth);
  switch (def.type) {
    case "string": {
      // A string of a format (a hash, a UUID) is refused for its content, not stored cleaned.
      if (schema.safeParse(POISON).success) {
        poisoned.push(where);
        return POISON;
      }
      return ["0".repeat(64), crypto.randomUUID(), "x"].find((c) => schema.safeParse(c).success);
    }
    case "number":
      return 1;
    case "boolean":
      return true;
    case "unknown":
    case "any":
      poisoned.push(where);
      return POISON;
    case "literal":
      return (def.values as unknown[])[0];
    case "enum":
      return Object.values(def.entries as Record<string, unknown>)[0];
    case "nullable":
    case "optional":
    case "default":
    case "prefault":
      return inner(def.innerType);
    case "pipe":
      return inner(def.in);
    case "lazy":
      return depth > 3 ? [] : make((def.getter as () => z.ZodType)(), where, poisoned, depth + 1);
    case "array":
      return [inner(def.element, `${where}.0`)];
    case "object":
      return Object.fromEntries(
        Object.entries(def.shape as Record<string, z.ZodType>).map(([key, s]) => [key, make(s, `${where}.${key}`, poisoned, depth)]),
      );
    case "record":
      poisoned.push(`${where}.<key>`);
      return { [POISON]: inner(def.valueType, `${where}.<value>`) };
    case "custom": {
      // The environment: an object of strings.
      const env = { [POISON]: POISON };
      if (!schema.safeParse(env).success) throw new Error(`${where}: a custom schema this test does not know`);
      poisoned.push(`${where}.<key>`, `${where}.<value>`);
      return env;
    }
    case "union":
      return inner((def.options as unknown[])[0]);
    default:
      throw new Error(`${where}: a schema of type ${def.type} this test does not make (add it here)`);
  }
}

function made(schema: z.ZodType): Made {
  const poisoned: string[] = [];
  return { value: make(schema, "$", poisoned), poisoned };
}

/** Every string of a value, keys too. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  return out;
}

/** The message parsed as the hub parses it; no string of what it keeps is dirty, and every poisoned one is kept, cleaned. */
function expectCleaned(kept: unknown, message: Made): void {
  const all = strings(kept);
  expect(all.filter(dirty)).toEqual([]);
  const cleanedPoison = all.filter((s) => s === "a\ufffdb\ufffdc").length;
  // A creation time that is no date is kept as unknown, with a warning (which quotes it, cleaned).
  const times = message.poisoned.filter((where) => where.endsWith(".createdAt")).length;
  expect(cleanedPoison).toBeGreaterThanOrEqual(message.poisoned.length - times);
}

describe("every string of the agents' protocol is cleaned, field by field of its schemas", () => {
  it("a report: records, end reasons, facts and exit events", () => {
    const message = made(reportShape);
    // The fields that escaped before: the end reason's text, pattern and line, in a record and in an exit.
    for (const field of ["text", "pattern", "line"]) {
      expect(message.poisoned).toContain(`$.upserts.0.endReason.${field}`);
      expect(message.poisoned).toContain(`$.events.0.endReason.${field}`);
    }
    expect(message.poisoned.length).toBeGreaterThan(30);
    const parsed = parseReport(message.value);
    expect(parsed.error?.issues).toBeUndefined();
    expectCleaned(parsed.data, message);
  });

  it.each([
    ["an enrolment", enrollRequestSchema],
    ["host facts", hostFactsSchema],
    ["a command's result", commandResultSchema],
    ["an inspect answer", inspectAnswerSchema],
    ["a usage answer", usageAnswerSchema],
  ] as const)("%s", (_, schema) => {
    const message = made(schema as z.ZodType);
    expect(message.poisoned.length).toBeGreaterThan(0);
    const parsed = (schema as z.ZodType).safeParse(message.value);
    expect(parsed.error?.issues).toBeUndefined();
    expectCleaned(parsed.data, message);
  });

  it("an end reason's line of any length is cut, not refused (a program's last line can be anything)", () => {
    const message = made(reportShape) as { value: { upserts: Array<{ endReason: { line: string; text: string } }> } };
    message.value.upserts[0]!.endReason = { ...message.value.upserts[0]!.endReason, line: "x".repeat(100_000), text: "y".repeat(5_000) };
    const parsed = parseReport(message.value);
    expect(parsed.success).toBe(true);
    expect(parsed.data!.upserts[0]!.endReason).toMatchObject({ line: "x".repeat(600), text: "y".repeat(1000) });
  });
});

describe("cleanStrings", () => {
  it("returns a clean value as the same object, and copies only what it changes", () => {
    const clean = { a: ["x", { b: "y" }], c: 1, d: null };
    expect(cleanStrings(clean)).toBe(clean);
    const mixed = { keep: { deep: ["ok"] }, bad: ["fine", "n\u0000"], "k\u0000": "v" };
    const out = cleanStrings(mixed);
    expect(out).toEqual({ keep: { deep: ["ok"] }, bad: ["fine", "n\ufffd"], "k\ufffd": "v" });
    expect(out.keep).toBe(mixed.keep);
  });

  it("keeps a key named __proto__ as a key, and cuts nesting beyond its depth instead of recursing", () => {
    const parsed = JSON.parse('{"__proto__": {"x": "\\u0000"}, "y": "\\u0000"}') as Record<string, unknown>;
    const out = cleanStrings(parsed);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__", "y"]);
    let deep: unknown = "\u0000";
    for (let i = 0; i < 10_000; i += 1) deep = [deep];
    expect(() => cleanStrings(deep)).not.toThrow();
  });
});
