import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { followOutput } from "../lib/output/follow";
import { lineNumberAt } from "../lib/output/lines";
import { OutputMissingError, readRange } from "../lib/output/range";
import { countMatches, findMatch } from "../lib/output/search";
import { applyTerminalEdits, renderLine, splitLines, MAX_RENDERED_CHARS } from "../lib/output/terminal";
import { tempDir } from "./support/temp";

describe("terminal rendering", () => {
  it("lets \\r overwrite the line, so a progress bar ends as its last state", () => {
    expect(applyTerminalEdits("10%\r55%\r100%")).toBe("100%");
    expect(renderLine("\x1b[32m[##  ]\x1b[0m 50%\r\x1b[32m[####]\x1b[0m 100%").text).toBe("[####] 100%");
    expect(applyTerminalEdits("downloading 10%\rdone")).toBe("doneloading 10%");
    expect(applyTerminalEdits("abc\x1b[1Gx")).toBe("xbc");
    expect(applyTerminalEdits("abcdef\rxy\x1b[K")).toBe("xy");
    expect(applyTerminalEdits("hello\bX")).toBe("hellX");
  });

  it("drops every control sequence that is not a colour", () => {
    const text = renderLine(
      "\x1b]0;title\x07\x1b[2J\x1b[H\x1b[?25lvisible\x1b[3A\x07\x1b(B text\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
    ).text;
    expect(text).toBe("visible text" + "link");
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  it("renders 16, 256 and truecolour, bold, dim, italic, underline and inverse through the ANSI library", () => {
    const line = renderLine("\x1b[31mA\x1b[0m\x1b[38;5;208mB\x1b[0m\x1b[38;2;1;2;3mC\x1b[0m\x1b[1;2;3;4mD\x1b[0m\x1b[7mE\x1b[0m");
    const [a, b, c, d, e] = line.segments;
    expect(a).toMatchObject({ text: "A", fg: "rgb(187, 0, 0)" });
    expect(b).toMatchObject({ text: "B", fg: "rgb(255, 135, 0)" });
    expect(c).toMatchObject({ text: "C", fg: "rgb(1, 2, 3)" });
    expect(d).toMatchObject({ text: "D", bold: true, dim: true, italic: true, underline: true });
    expect(e?.bg).not.toBeNull();
  });

  it("cuts very long lines for display and splits CRLF endings", () => {
    const huge = renderLine("x".repeat(MAX_RENDERED_CHARS + 5000));
    expect(huge.text.length).toBe(MAX_RENDERED_CHARS);
    expect(huge.omitted).toBe(5000);
    expect(splitLines("a\r\nb\nc")).toEqual(["a", "b", "c"]);
  });
});

describe("output files by range", () => {
  const dir = tempDir();
  const file = path.join(dir, "big.log");
  const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i + 1} ${"é".repeat(i % 7)}`);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  const size = fs.statSync(file).size;

  it("serves the tail first and aligns ranges to whole lines", () => {
    const tail = readRange(file, { length: 4096, alignLines: true });
    expect(tail.end).toBe(size);
    const text = tail.bytes.toString("utf8");
    expect(text.endsWith("line 50000 ééééé\n".replace("ééééé", "é".repeat(49_999 % 7)))).toBe(true);
    expect(text.startsWith("line ")).toBe(true);
    expect(tail.start).toBeGreaterThan(size - 4096);
    const middle = readRange(file, { offset: 100_000, length: 1000, alignLines: true });
    expect(middle.bytes.toString("utf8")).toMatch(/^line \d+ /);
    expect(readRange(file, { offset: size + 100, length: 10 }).bytes.length).toBe(0);
    expect(() => readRange(path.join(dir, "missing.log"))).toThrow(OutputMissingError);
  });

  it("numbers lines at any offset", () => {
    const middle = readRange(file, { offset: 300_000, length: 1000, alignLines: true });
    const number = lineNumberAt(file, middle.start);
    expect(middle.bytes.toString("utf8").split(" ")[1]).toBe(String(number));
    expect(lineNumberAt(file, 0)).toBe(1);
  });

  it("finds the next and previous match over the whole file, and counts them", () => {
    const hit = findMatch(file, "LINE 12345 ", 0, "next");
    expect(hit).not.toBeNull();
    const { lineStart } = hit as { lineStart: number };
    expect(readRange(file, { offset: lineStart, length: 11 }).bytes.toString()).toBe("line 12345 ");
    const previous = findMatch(file, "line 1 ", size, "prev") as { lineStart: number };
    expect(previous.lineStart).toBe(0);
    expect(findMatch(file, "no such text", 0, "next")).toBeNull();
    expect(countMatches(file, "line 4999")).toEqual({ count: 11, complete: true });
  });
});

describe("following a file", () => {
  async function collect(stream: ReadableStream<Uint8Array>, until: (text: string) => boolean): Promise<string> {
    const reader = stream.getReader();
    let text = "";
    const decoder = new TextDecoder();
    const deadline = Date.now() + 10_000;
    while (!until(text)) {
      if (Date.now() > deadline) throw new Error(`timed out; got:\n${JSON.stringify(text)}`);
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    reader.releaseLock();
    return text;
  }

  it("streams appended text only, and resets on truncation or replacement", async () => {
    const dir = tempDir();
    const file = path.join(dir, "live.log");
    fs.writeFileSync(file, "old line\n");
    const controller = new AbortController();
    const stream = followOutput(file, { from: 9, signal: controller.signal, pollMs: 20 });
    const reader = stream;
    setTimeout(() => fs.appendFileSync(file, "new 1\n"), 50);
    let text = await collect(reader, (t) => t.includes("new 1"));
    expect(text).not.toContain("old line");
    expect(text).toContain('"start":9');

    setTimeout(() => fs.writeFileSync(file, "x\n"), 50);
    text = await collect(reader, (t) => t.includes("event: reset"));
    expect(text).toContain('"reason":"truncated"');

    setTimeout(() => {
      fs.rmSync(file);
      fs.writeFileSync(file, "brand new file with more bytes\n");
    }, 50);
    text = await collect(reader, (t) => t.includes("event: reset"));
    expect(text).toMatch(/"reason":"(replaced|truncated)"/);
    controller.abort();
  });

  it("keeps a character split across writes whole", async () => {
    const dir = tempDir();
    const file = path.join(dir, "utf8.log");
    fs.writeFileSync(file, "");
    const controller = new AbortController();
    const stream = followOutput(file, { from: 0, signal: controller.signal, pollMs: 20 });
    const euro = Buffer.from("€\n");
    setTimeout(() => fs.appendFileSync(file, euro.subarray(0, 1)), 30);
    setTimeout(() => fs.appendFileSync(file, euro.subarray(1)), 150);
    const text = await collect(stream, (t) => t.includes("€"));
    expect(text).not.toContain("\ufffd");
    controller.abort();
  });
});
