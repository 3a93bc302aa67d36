// The output viewer on a 1 GB file: npm run bench -- output
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { ensureBuild } from "../scripts/ensure-build.js";
import { Registry } from "../lib/registry";
import { readProcStat } from "../lib/system/proc-linux";
import { launchBrowser } from "../test/support/browser";
import { loggedInContext, startServer, type RunningServer } from "../test/support/next-server";
import { median, ms, percentile, report } from "./stats";

const GIB = 1024 ** 3;

function writeBigFile(file: string, bytes: number): void {
  const line = (i: number) =>
    `\x1b[32m${new Date(1_732_406_400_000 + i * 10).toISOString()}\x1b[0m frame ${i} rendered ${"·".repeat(40)}\n`;
  let chunk = "";
  for (let i = 0; chunk.length < 1024 * 1024; i++) chunk += line(i);
  const buffer = Buffer.from(chunk);
  const fd = fs.openSync(file, "w");
  for (let written = 0; written < bytes; written += buffer.length) fs.writeSync(fd, buffer);
  fs.closeSync(fd);
}

/** Resident memory of the server and its children (Next may fork a worker). */
function serverRss(server: RunningServer): number {
  let total = 0;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.pgid === server.child.pid) total += stat.rssBytes;
  }
  return total;
}

export async function benchOutput(): Promise<void> {
  console.log("\noutput viewer on a 1 GB file (npm run bench -- output)");
  ensureBuild();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-bench-output-"));
  const dbPath = path.join(dir, "registry.db");
  const registry = await Registry.open(dbPath);
  const file = path.join(registry.outputDir, "huge.log");
  fs.mkdirSync(registry.outputDir, { recursive: true });
  const t0 = performance.now();
  writeBigFile(file, GIB);
  console.log(`  (wrote ${(fs.statSync(file).size / GIB).toFixed(2)} GiB in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const record = await registry.store({ name: "huge-render", executable: "/bin/sleep", pid: process.pid, outputFile: file });
  await registry.close();

  const server = await startServer({ PROCESS_MONITOR_DB: dbPath });
  const browser = await launchBrowser();
  try {
    const api = `/api/processes/${record.hash}/output`;
    await (await server.api(`/processes/${record.hash}/output`)).text(); // warm the route

    const ttfb: number[] = [];
    for (let i = 0; i < 10; i++) {
      const start = performance.now();
      const response = await server.api(`${api}?format=json&align=lines`);
      const reader = response.body!.getReader();
      await reader.read();
      ttfb.push(performance.now() - start);
      await reader.cancel();
    }
    report("tail range: time to first byte (median of 10)", ms(median(ttfb)), "< 500 ms");

    const lineStart = performance.now();
    await (await server.api(`${api}/line?offset=${GIB - 1000}`)).json();
    report("line number near the end (first time, counts newlines)", ms(performance.now() - lineStart));
    const firstLines: number[] = [];
    const firstPaint: number[] = [];
    for (let i = 0; i < 5; i++) {
      const page = await (await loggedInContext(browser, server)).newPage();
      await page.goto("about:blank");
      const start = performance.now();
      await page.goto(`${server.url}/processes/${record.hash}/output`, { waitUntil: "commit" });
      await page.waitForSelector("[data-row]");
      firstLines.push(performance.now() - start);
      // The lines come with the HTML, so they are on the first contentful paint.
      await page.waitForLoadState("load");
      const fcp = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN);
      firstPaint.push(fcp);
      await page.context().close();
    }
    report("open viewer: first contentful paint with lines (median of 5)", ms(median(firstPaint)), "< 500 ms");
    report("open viewer: wall clock until lines in the DOM, incl. browser", ms(median(firstLines)));

    // Work the server hard on the big file: earlier chunks, searches over all of it, a download.
    const rssBefore = serverRss(server);
    for (let offset = 0; offset < GIB; offset += GIB / 16)
      await (await server.api(`${api}?format=json&align=lines&offset=${offset}`)).arrayBuffer();
    const searchStart = performance.now();
    const count = (await (await server.api(`${api}/search?q=frame+1234+&count=1`)).json()) as { count: number; complete: boolean };
    report(
      "count matches over the whole file",
      `${ms(performance.now() - searchStart)} (${count.count}${count.complete ? "" : "+, cut short"})`,
    );
    const download = await server.api(`${api}?download=1`);
    let downloaded = 0;
    const reader = download.body!.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) downloaded += chunk.value.length;
    const rssAfter = serverRss(server);
    report("server memory growth (ranges, search, 1 GiB download)", `${((rssAfter - rssBefore) / 2 ** 20).toFixed(1)} MiB`, "< 50 MB");
    if (downloaded !== fs.statSync(file).size) throw new Error(`download was ${downloaded} bytes`);

    // Following: append a line, time until Chromium shows it.
    const page = await (await loggedInContext(browser, server)).newPage();
    await page.goto(`${server.url}/processes/${record.hash}/output`);
    await page.waitForSelector("[data-row]");
    await page.waitForTimeout(500);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const mark = `MARK-${i}-${Date.now()}`;
      const start = performance.now();
      fs.appendFileSync(file, `${mark}\n`);
      await page.waitForFunction(
        (text) => [...document.querySelectorAll("[data-row]")].some((el) => el.textContent?.includes(text)),
        mark,
        { polling: "raf" },
      );
      latencies.push(performance.now() - start);
      await page.waitForTimeout(50);
    }
    report("append to visible while following (median of 20)", ms(median(latencies)), "< 300 ms");
    await page.context().close();

    await slowFollowers(server, record.hash);
    await searchesUnderLoad(server, record.hash);
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * 20 followers from offset 0 of the 1 GiB file, each reading at 100 KB/s: the server must
 * read only as fast as they take, so its memory stays flat (before: +440 MB and rising).
 */
async function slowFollowers(server: RunningServer, hash: string): Promise<void> {
  const FOLLOWERS = 20;
  const RATE = 100 * 1024;
  const SECONDS = 10;
  const before = serverRss(server);
  let peak = before;
  let received = 0;
  const requests: http.ClientRequest[] = [];
  await Promise.all(
    Array.from(
      { length: FOLLOWERS },
      () =>
        new Promise<void>((resolve, reject) => {
          const request = http.get(
            `${server.url}/api/processes/${hash}/output?follow=1&offset=0`,
            { headers: { authorization: `Bearer ${server.token}` } },
            (response) => {
              const started = performance.now();
              let mine = 0;
              response.on("data", (chunk: Buffer) => {
                mine += chunk.length;
                received += chunk.length;
                // Ahead of 100 KB/s: stop reading until the budget catches up.
                const ahead = mine / RATE - (performance.now() - started) / 1000;
                if (ahead > 0) {
                  response.pause();
                  setTimeout(() => response.resume(), ahead * 1000);
                }
              });
              response.on("error", () => undefined);
              resolve();
            },
          );
          request.on("error", reject);
          requests.push(request);
        }),
    ),
  );
  for (let t = 0; t < SECONDS * 4; t++) {
    await new Promise((r) => setTimeout(r, 250));
    peak = Math.max(peak, serverRss(server));
  }
  for (const request of requests) request.destroy();
  report(
    `${FOLLOWERS} followers at 100 KB/s from offset 0, ${SECONDS} s: RSS growth`,
    `${((peak - before) / 2 ** 20).toFixed(1)} MiB`,
    "< 64 MB",
  );
  report("  what they received in all (bounded by their rate)", `${(received / 2 ** 20).toFixed(1)} MiB`);
}

/**
 * 4 whole-file searches at once on the 1 GiB file, repeated for a few seconds, while
 * /api/health is asked every 50 ms: the event loop's delay (measured inside the server
 * with monitorEventLoopDelay) and the health check's latency.
 */
async function searchesUnderLoad(server: RunningServer, hash: string): Promise<void> {
  const SECONDS = 6;
  await (await server.api("/api/health?reset=1", { method: "POST" })).json();
  const end = Date.now() + SECONDS * 1000;
  let searches = 0;
  let refused = 0;
  const searcher = async (i: number) => {
    while (Date.now() < end) {
      const response = await server.api(`/api/processes/${hash}/output/search?q=no+such+text+${i}&count=1`);
      await response.arrayBuffer();
      if (response.status === 429) refused++;
      else searches++;
    }
  };
  const health: number[] = [];
  const checker = async () => {
    while (Date.now() < end) {
      const start = performance.now();
      await (await server.api("/api/health")).json();
      health.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await Promise.all([...[0, 1, 2, 3].map(searcher), checker()]);
  const stats = (await (await server.api("/api/health")).json()) as { eventLoop: { p50Ms: number; p99Ms: number; maxMs: number } };
  report(`4 whole-file searches for ${SECONDS} s (${searches} done, ${refused} refused)`, "");
  report("  event-loop delay p99 in the server", `${ms(stats.eventLoop.p99Ms)} (max ${ms(stats.eventLoop.maxMs)})`, "< 50 ms");
  report("  /api/health p99 meanwhile", `${ms(percentile(health, 99))} (median ${ms(median(health))}, n=${health.length})`, "< 100 ms");
}
