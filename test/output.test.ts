import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { followOutput } from "../lib/output/follow";
import { lineNumberAt } from "../lib/output/lines";
import { OutputMissingError, readRange } from "../lib/output/range";
import { maxSearches, SearchesBusyError, withSearchSlot } from "../lib/output/scan-slots";
import { countMatches, findMatch } from "../lib/output/search";
import { summariseOutput } from "../lib/output/tail";
import { applyTerminalEdits, BASE_COLOURS, renderLine, splitLines, MAX_RENDERED_CHARS } from "../lib/output/terminal";
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
    expect(a).toMatchObject({ text: "A", fg: "rgb(240, 82, 79)" }); // the readable red (BASE_COLOURS)
    expect(b).toMatchObject({ text: "B", fg: "rgb(255, 135, 0)" });
    expect(c).toMatchObject({ text: "C", fg: "rgb(1, 2, 3)" });
    expect(d).toMatchObject({ text: "D", bold: true, dim: true, italic: true, underline: true });
    expect(e?.bg).not.toBeNull();
  });

  it("shows every base colour, plain and bold, at WCAG AA contrast on the viewer's background (issue 42)", () => {
    const luminance = (rgb: string) => {
      const [r, g, b] = rgb
        .split(",")
        .map((v) => Number(v) / 255)
        .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const background = luminance("9, 9, 11"); // bg-zinc-950, the viewer's and the previews'
    const contrast = (rgb: string) => (luminance(rgb) + 0.05) / (background + 0.05);
    for (let code = 30; code <= 37; code++) {
      for (const sgr of [`${code}`, `1;${code}`, `${code + 60}`]) {
        const fg = renderLine(`\x1b[${sgr}mtext\x1b[0m`).segments[0]!.fg!;
        expect(contrast(fg.slice(4, -1)), `SGR ${sgr}: ${fg}`).toBeGreaterThanOrEqual(4.5);
      }
    }
    // Bold blue, the one reported: the bright blue, not the library's dark one.
    expect(renderLine("\x1b[1;34mx").segments[0]!.fg).toBe(`rgb(${BASE_COLOURS[4]!.bright})`);
    expect(renderLine("\x1b[34mx").segments[0]!.fg).toBe(`rgb(${BASE_COLOURS[4]!.normal})`);
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

  it("serves the tail first and aligns ranges to whole lines", async () => {
    const tail = await readRange(file, { length: 4096, alignLines: true });
    expect(tail.end).toBe(size);
    const text = tail.bytes.toString("utf8");
    expect(text.endsWith("line 50000 ééééé\n".replace("ééééé", "é".repeat(49_999 % 7)))).toBe(true);
    expect(text.startsWith("line ")).toBe(true);
    expect(tail.start).toBeGreaterThan(size - 4096);
    const middle = await readRange(file, { offset: 100_000, length: 1000, alignLines: true });
    expect(middle.bytes.toString("utf8")).toMatch(/^line \d+ /);
    expect((await readRange(file, { offset: size + 100, length: 10 })).bytes.length).toBe(0);
    await expect(readRange(path.join(dir, "missing.log"))).rejects.toThrow(OutputMissingError);
  });

  it("numbers lines at any offset", async () => {
    const middle = await readRange(file, { offset: 300_000, length: 1000, alignLines: true });
    const number = await lineNumberAt(file, middle.start);
    expect(middle.bytes.toString("utf8").split(" ")[1]).toBe(String(number));
    expect(await lineNumberAt(file, 0)).toBe(1);
    // Many at once on a fresh index (one file, several viewers) agree.
    const offsets = [2_000_000, 500_000, 1_500_000, 1_048_576, 3_000_000].map((o) => Math.min(o, size));
    const numbers = await Promise.all(offsets.map((o) => lineNumberAt(file, o)));
    for (const [i, o] of offsets.entries()) {
      const before = fs.readFileSync(file).subarray(0, o);
      expect(numbers[i]).toBe(before.filter((b) => b === 0x0a).length + 1);
    }
  });

  it("finds the next and previous match over the whole file, and counts them", async () => {
    const hit = await findMatch(file, "LINE 12345 ", 0, "next");
    expect(hit).not.toBeNull();
    const { lineStart } = hit as { lineStart: number };
    expect((await readRange(file, { offset: lineStart, length: 11 })).bytes.toString()).toBe("line 12345 ");
    const previous = (await findMatch(file, "line 1 ", size, "prev")) as { lineStart: number };
    expect(previous.lineStart).toBe(0);
    expect(await findMatch(file, "no such text", 0, "next")).toBeNull();
    expect(await countMatches(file, "line 4999")).toEqual({ count: 11, complete: true });
    // Those before a byte: a match's place among them ("3 of 11"), across the 1 MiB chunks.
    let place = (await findMatch(file, "line 4999", 0, "next")) as { offset: number };
    for (let k = 0; k < 2; k += 1) place = (await findMatch(file, "line 4999", place.offset + 1, "next")) as { offset: number };
    expect(await countMatches(file, "line 4999", undefined, undefined, place.offset)).toEqual({ count: 2, complete: true });
    expect(await countMatches(file, "line 4999", undefined, undefined, place.offset + 1)).toEqual({ count: 3, complete: true });
    expect(await countMatches(file, "line 4999", undefined, undefined, 0)).toEqual({ count: 0, complete: true });
    // A match that straddles two 1 MiB chunks is found once.
    expect(await countMatches(file, "é")).toEqual({ count: lines.reduce((n, l) => n + (l.match(/é/g)?.length ?? 0), 0), complete: true });
  });

  it("finds matches that straddle the read chunks and text windows, in either case, once each", async () => {
    const crafted = path.join(dir, "straddle.log");
    const body = Buffer.alloc(3 * 1024 * 1024, ".");
    const at = [65_536 - 3, 1024 * 1024 - 2, 2 * 1024 * 1024 - 5, 2 * 1024 * 1024 + 65_536 * 3 - 1];
    for (const offset of at) body.write("NeedLe", offset, "latin1");
    fs.writeFileSync(crafted, body);
    expect(await countMatches(crafted, "needle")).toEqual({ count: at.length, complete: true });
    let from = 0;
    for (const offset of at) {
      const hit = (await findMatch(crafted, "NEEDLE", from, "next")) as { offset: number };
      expect(hit.offset).toBe(offset);
      from = hit.offset + 1;
    }
    let end = body.length;
    for (const offset of [...at].reverse()) {
      const hit = (await findMatch(crafted, "needle", end, "prev")) as { offset: number };
      expect(hit.offset).toBe(offset);
      end = hit.offset;
    }
    // Non-overlapping, as an editor counts: the same as indexOf stepping past each match.
    let expected = 0;
    for (let i = body.indexOf(".."); i >= 0; i = body.indexOf("..", i + 2)) expected++;
    expect(await countMatches(crafted, "..")).toEqual({ count: expected, complete: true });
  });

  it("serves only regular files: a FIFO, a device or a folder is refused at once", async () => {
    const fifo = path.join(dir, "pipe.log");
    spawnSync("mkfifo", [fifo]);
    for (const target of [fifo, "/dev/zero", dir]) {
      await expect(readRange(target)).rejects.toMatchObject({ code: "NOT_A_FILE" });
      await expect(findMatch(target, "x", 0, "next")).rejects.toMatchObject({ code: "NOT_A_FILE" });
      await expect(countMatches(target, "x")).rejects.toMatchObject({ code: "NOT_A_FILE" });
      await expect(lineNumberAt(target, 10)).rejects.toMatchObject({ code: "NOT_A_FILE" });
      expect((await summariseOutput(target)).exists).toBe(false);
    }
  });

  it("runs at most the server's number of searches at once and refuses the next with a clear error", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const running = Array.from({ length: maxSearches() }, () => withSearchSlot(() => gate));
    await expect(withSearchSlot(async () => "one too many")).rejects.toThrow(SearchesBusyError);
    await expect(withSearchSlot(async () => "x")).rejects.toThrow(/searches are already running/);
    release();
    await Promise.all(running);
    expect(await withSearchSlot(async () => "after")).toBe("after");
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

  it("starts at the current end without an offset, like tail -f", async () => {
    const dir = tempDir();
    const file = path.join(dir, "tail.log");
    fs.writeFileSync(file, "before 1\nbefore 2\n");
    const controller = new AbortController();
    const stream = followOutput(file, { signal: controller.signal, pollMs: 20 });
    let text = await collect(stream, (t) => t.includes("event: ready"));
    expect(text).toContain(`"from":${fs.statSync(file).size}`);
    fs.appendFileSync(file, "after\n");
    text = await collect(stream, (t) => t.includes("after"));
    expect(text).not.toContain("before");
    controller.abort();
  });

  it("sends a large file in bounded chunks, each only when the reader takes the last", async () => {
    const dir = tempDir();
    const file = path.join(dir, "large.log");
    fs.writeFileSync(file, Buffer.alloc(3 * 1024 * 1024 + 17, "y"));
    const controller = new AbortController();
    const reader = followOutput(file, { from: 0, signal: controller.signal, pollMs: 20, chunkBytes: 64 * 1024 }).getReader();
    let end = 0;
    let events = 0;
    const decoder = new TextDecoder();
    while (end < 3 * 1024 * 1024 + 17) {
      const { value } = await reader.read();
      for (const match of decoder.decode(value).matchAll(/"start":(\d+),"end":(\d+)/g)) {
        expect(Number(match[1])).toBe(end);
        expect(Number(match[2]) - Number(match[1])).toBeLessThanOrEqual(64 * 1024);
        end = Number(match[2]);
        events++;
      }
    }
    expect(events).toBe(49);
    controller.abort();
  });

  it("says why and ends for an output that is not a regular file", async () => {
    const dir = tempDir();
    const fifo = path.join(dir, "fifo.log");
    spawnSync("mkfifo", [fifo]);
    for (const target of [fifo, "/dev/zero"]) {
      const controller = new AbortController();
      const text = await collect(followOutput(target, { from: 0, signal: controller.signal, pollMs: 20 }), () => false);
      expect(text).toContain("event: error");
      expect(text).toContain("not a regular file");
    }
  });
});
