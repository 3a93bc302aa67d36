import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import type { BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launch, type Launched } from "../lib/launcher";
import { Registry } from "../lib/registry";
import { launchBrowser } from "./support/browser";
import { loggedInContext, startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

let browser: Browser;
let server: RunningServer;
let registry: Registry;
const launched: Launched[] = [];
const shots = path.resolve("test-results", "screenshots");

beforeAll(async () => {
  const dir = tempDir("pm-output-");
  const dbPath = path.join(dir, "registry.db");
  registry = await Registry.open(dbPath);
  server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir });
  browser = await launchBrowser();
  fs.mkdirSync(shots, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  for (const l of launched) {
    // The program, in its own process group, and its keeper.
    for (const target of [-l.record.pid!, l.child.pid!]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        /* ended already */
      }
    }
  }
  await registry?.close();
});

const contexts: BrowserContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

async function open(hash: string): Promise<Page> {
  const context = await loggedInContext(browser, server, { viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${server.url}/processes/${hash}/output`);
  return page;
}

const lineText = (page: Page, text: string) => page.locator("[data-row]", { hasText: text });

describe("output viewer in a real browser", () => {
  it("renders colours and the progress bar's final state, and shows new lines live", async () => {
    const l = await launch(registry, { name: "colours", executable: process.execPath, args: [path.resolve("test/fixtures/colours.js")] });
    launched.push(l);
    await expect.poll(() => fs.readFileSync(l.record.outputFile!, "utf8")).toContain("tick 1");
    const page = await open(l.record.hash);
    await page.waitForSelector("[data-row]");

    const colour = (text: string) =>
      page
        .locator("span", { hasText: new RegExp(`^${text}$`) })
        .first()
        .evaluate(
          (el) =>
            getComputedStyle(
              el.parentElement!.tagName === "SPAN" && el.textContent === el.parentElement!.textContent ? el.parentElement! : el,
            ).color,
        );
    expect(await colour("red16")).toBe("rgb(240, 82, 79)"); // the readable red (BASE_COLOURS)
    expect(await colour("orange256")).toBe("rgb(255, 135, 0)");
    expect(await colour("truecolour")).toBe("rgb(120, 80, 255)");
    expect(await lineText(page, "progress").textContent()).toContain("progress [##########] 100%");
    expect(await lineText(page, "progress").textContent()).not.toContain("90%");
    const junk = await lineText(page, "after-junk").textContent();
    expect(junk).not.toMatch(/\x1b|\[2J|title/);
    expect(await lineText(page, "bad").textContent()).toContain("bad \ufffd byte");
    await page.screenshot({ path: path.join(shots, "output.png") });

    // Following: lines printed after the page opened appear without a reload.
    const lastTick = async () =>
      Number(
        (
          await page
            .locator("[data-row]", { hasText: /^\d+tick \d+$/ })
            .last()
            .textContent()
        )?.match(/tick (\d+)/)?.[1] ?? 0,
      );
    const first = await lastTick();
    await expect.poll(lastTick, { timeout: 10_000 }).toBeGreaterThan(first + 3);

    // Scrolling up stops following; the jump button counts what arrived meanwhile.
    await page.locator("[data-testid=output-scroll]").evaluate((el) => (el.scrollTop = 0));
    await page.waitForSelector("[data-testid=jump-to-end]");
    const visibleTop = await page.locator("[data-testid=output-scroll]").evaluate((el) => el.scrollTop);
    await expect.poll(() => page.textContent("[data-testid=jump-to-end]"), { timeout: 10_000 }).toMatch(/\d+ new lines?/);
    expect(await page.locator("[data-testid=output-scroll]").evaluate((el) => el.scrollTop)).toBe(visibleTop);
    await page.click("[data-testid=jump-to-end]");
    await expect.poll(() => page.locator("[data-testid=jump-to-end]").count()).toBe(0);
    const scroll = await page.locator("[data-testid=output-scroll]").evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    expect(scroll).toBeLessThan(40);
  }, 60_000);

  it("live, a progress bar whose \\r and \\r\\n fall on the ends of appended chunks shows only its last state (issue 42)", async () => {
    // Each write is its own append event: the follow stream reads every 250 ms, the writes are
    // 700 ms apart. The first is on the page when it opens (the tail it loads ends in "\r").
    const go = path.join(path.dirname(registry.dbPath), "chunks-go");
    const script = [
      "const fs = require('fs');",
      "const wait = (ms) => new Promise((r) => setTimeout(r, ms));",
      "(async () => {",
      "  process.stdout.write('first line\\nlive progress 10%\\r');",
      `  while (!fs.existsSync(${JSON.stringify(go)})) await wait(50);`,
      "  for (const chunk of ['live progress 50%\\r', 'live progress 100%\\r', '\\nafter the bar\\r', '\\nlast line\\n']) {",
      "    await wait(700);",
      "    process.stdout.write(chunk);",
      "  }",
      "  await wait(60000);",
      "})();",
    ].join("\n");
    const l = await launch(registry, { name: "chunked-bar", executable: process.execPath, args: ["-e", script] });
    launched.push(l);
    await expect.poll(() => fs.readFileSync(l.record.outputFile!, "utf8")).toContain("10%\r");
    const page = await open(l.record.hash);
    await page.waitForSelector("[data-row]");
    const rows = async () => (await page.locator("[data-row]").allTextContents()).map((t) => t.replace(/^\d+|^·/, ""));
    expect(await rows()).toContain("live progress 10%");
    fs.writeFileSync(go, "");
    const states: string[][] = [];
    await expect
      .poll(
        async () => {
          const now = await rows();
          states.push(now);
          return now.includes("last line");
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBe(true);
    expect(await rows()).toEqual(["first line", "live progress 100%", "after the bar", "last line"]);
    // At no moment along the way was old text kept or a line glued onto the bar.
    for (const shown of states) {
      for (const row of shown) expect(row).toMatch(/^(first line|live progress (10|50|100)%|after the bar|last line)$/);
    }
  }, 60_000);

  it("on a phone: the list's rows fit without sideways scrolling, and the viewer opens at the end on screen and follows", async () => {
    const script = [
      'i=0; while [ $i -lt 3000 ]; do echo "filler line $i, long enough to matter on a narrow screen"; i=$((i+1)); done',
      'i=0; while [ $i -lt 600 ]; do echo "tick $i"; i=$((i+1)); sleep 0.1; done',
    ].join("; ");
    const l = await launch(registry, { name: "phone-ticker", executable: "/bin/sh", args: ["-c", script] });
    launched.push(l);
    await expect.poll(() => fs.readFileSync(l.record.outputFile!, "utf8")).toContain("tick 1");
    const context = await loggedInContext(browser, server, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    contexts.push(context);
    const page = await context.newPage();

    // The list: a stacked row with status, name, running time, CPU and memory, nothing to scroll sideways to.
    await page.goto(`${server.url}/`);
    const row = page.locator(`tr[data-hash="${l.record.hash}"]`);
    await row.waitFor();
    const region = page.getByRole("region", { name: "Processes" });
    expect(await region.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    for (const shown of [
      row.getByRole("link", { name: "phone-ticker" }),
      row.getByText("running"),
      row.getByText(/^pid \d+/),
      row.getByText(/^started /),
      row.getByText(/^CPU /),
      row.getByRole("button", { name: "Delete phone-ticker" }),
    ]) {
      const box = (await shown.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    await page.screenshot({ path: path.join(shots, "phone-list.png"), fullPage: true });

    // Its page, then its output: the last line written is on screen, and the next ones come into it.
    await row.getByRole("link", { name: "phone-ticker" }).tap();
    await page.waitForURL(`**/processes/${l.record.hash}`);
    await page.getByRole("link", { name: "Open the output viewer" }).tap();
    await page.waitForURL(`**/processes/${l.record.hash}/output`);
    const lastOnScreen = () =>
      page.evaluate(() => {
        const rows = [...document.querySelectorAll("[data-row]")];
        const last = rows.at(-1);
        if (!last) return null;
        const box = last.getBoundingClientRect();
        const tick = /tick (\d+)$/.exec(last.textContent ?? "");
        return { tick: tick ? Number(tick[1]) : -1, onScreen: box.top >= 0 && box.bottom <= window.innerHeight };
      });
    await expect.poll(async () => (await lastOnScreen())?.onScreen).toBe(true);
    const first = (await lastOnScreen())!.tick;
    await expect.poll(async () => (await lastOnScreen())?.tick ?? -1, { timeout: 10_000 }).toBeGreaterThan(first + 10);
    expect((await lastOnScreen())?.onScreen).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(shots, "phone-output.png") });
  });

  it("finds a line that is not loaded, loads it and scrolls to it", async () => {
    const script =
      "console.log('NEEDLE-EARLY found me'); for (let i = 0; i < 120000; i++) console.log('filler line ' + i + ' ' + 'x'.repeat(20));";
    const l = await launch(registry, { name: "big", executable: process.execPath, args: ["-e", script] });
    launched.push(l);
    await l.exited;
    expect(fs.statSync(l.record.outputFile!).size).toBeGreaterThan(3_000_000);
    const page = await open(l.record.hash);
    await page.waitForSelector("[data-row]");
    expect(await lineText(page, "NEEDLE-EARLY").count()).toBe(0);
    await page.fill("input[aria-label='Search the output']", "needle-early");
    await page.press("input[aria-label='Search the output']", "Enter");
    await expect.poll(() => page.locator("mark", { hasText: "NEEDLE-EARLY" }).count(), { timeout: 15_000 }).toBe(1);
    expect(await page.textContent("[data-testid=search-status]")).toMatch(/^1 of 1 match/);
    expect(await lineText(page, "NEEDLE-EARLY").getAttribute("data-line")).toBe("1");
    await expect.poll(() => page.locator("mark", { hasText: "NEEDLE-EARLY" }).isVisible()).toBe(true);
    // Many matches: the one shown is named by its place, and the next one moves it on.
    await page.fill("input[aria-label='Search the output']", "filler line 9999");
    await page.press("input[aria-label='Search the output']", "Enter");
    await expect.poll(() => page.textContent("[data-testid=search-status]"), { timeout: 15_000 }).toMatch(/^1 of 11 matches/);
    await page.click("button[aria-label='Next match']");
    await expect.poll(() => page.textContent("[data-testid=search-status]"), { timeout: 15_000 }).toMatch(/^2 of 11 matches/);
    await page.click("button[aria-label='Previous match']");
    await page.click("button[aria-label='Previous match']");
    await expect.poll(() => page.textContent("[data-testid=search-status]"), { timeout: 15_000 }).toMatch(/^11 of 11 matches/);
    // A text that is nowhere says so once, not "0 matches" run into the message.
    await page.fill("input[aria-label='Search the output']", "not-in-this-file");
    await page.press("input[aria-label='Search the output']", "Enter");
    await expect.poll(() => page.textContent("[data-testid=search-status]"), { timeout: 15_000 }).toBe("No match in the whole output.");
  }, 60_000);

  it("says so when the output file is missing, on open and while watching", async () => {
    const l = await launch(registry, { name: "gone", executable: "/bin/sh", args: ["-c", "echo hi; sleep 30"] });
    launched.push(l);
    await expect.poll(() => fs.readFileSync(l.record.outputFile!, "utf8")).toBe("hi\n");
    const page = await open(l.record.hash);
    await page.waitForSelector("[data-row]");
    fs.rmSync(l.record.outputFile!);
    await page.waitForSelector("[data-testid=output-missing]", { timeout: 10_000 });
    expect(await page.textContent("[data-testid=output-missing]")).toMatch(/deleted/);

    const again = await open(l.record.hash);
    expect(await again.textContent("[data-testid=output-missing]")).toMatch(/does not exist/);
  });
});
