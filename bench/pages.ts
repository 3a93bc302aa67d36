// Server response times of the dashboard's pages: npm run bench -- pages
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureBuild } from "../scripts/ensure-build.js";
import { Registry } from "../lib/registry";
import { seedBenchRegistry } from "./seed";
import { startServer, type RunningServer } from "../test/support/next-server";
import { median, ms, percentile, report } from "./stats";

async function time(server: RunningServer, path: string): Promise<number> {
  const start = performance.now();
  const response = await server.api(path);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return performance.now() - start;
}

export async function benchPages(sizes = [1_000, 10_000]): Promise<void> {
  console.log("\npages (npm run bench -- pages)");
  ensureBuild();
  for (const size of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-bench-pages-"));
    const dbPath = path.join(dir, "registry.db");
    const registry = await Registry.open(dbPath);
    const seeded = await seedBenchRegistry(registry, size, dir);
    const { aliveHash } = seeded;
    await registry.close();
    const server = await startServer({ PROCESS_MONITOR_DB: dbPath });
    try {
      await time(server, "/"); // first request marks the dead ones stopped
      const list: number[] = [];
      for (let i = 0; i < 20; i++) list.push(await time(server, "/"));
      report(
        `${size} records: GET / back to back (median / p95 of 20)`,
        `${ms(median(list))} / ${ms(percentile(list, 95))}`,
        "< 200 ms at 10,000",
      );
      // The server shares one process table reading for a second; spaced requests pay for their own.
      const spaced: number[] = [];
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 1_100));
        spaced.push(await time(server, "/"));
      }
      report(`${size} records: GET / 1.1 s apart, own ps run (median of 6)`, ms(median(spaced)), "< 200 ms at 10,000");
      const filtered: number[] = [];
      for (let i = 0; i < 10; i++) filtered.push(await time(server, "/?q=sh99&sort=cpu"));
      report(`${size} records: GET /?q=…&sort=cpu (median)`, ms(median(filtered)));
      const detail: number[] = [];
      for (let i = 0; i < 20; i++) detail.push(await time(server, `/processes/${aliveHash}`));
      report(`${size} records: GET /processes/<hash> (median / p95)`, `${ms(median(detail))} / ${ms(percentile(detail, 95))}`);
    } finally {
      await server.stop();
      seeded.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
