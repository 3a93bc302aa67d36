// Server response times of the dashboard's pages: npm run bench -- pages
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureBuild } from "../scripts/ensure-build.js";
import { Registry } from "../lib/registry";
import { startTimeOfPid } from "../lib/system/probe";
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
    const alive = Array.from({ length: Math.round(size * 0.02) }, () => spawn("/bin/sleep", ["600"], { stdio: "ignore" }));
    await new Promise((r) => setTimeout(r, 300));
    let aliveHash = "";
    for (let i = 0; i < size; i++) {
      const live = i % 50 === 0 ? alive[i / 50] : undefined;
      const record = await registry.store({
        name: `app${i % 7}`,
        executable: "/bin/sleep",
        args: ["600", `--shot=sh${i}`],
        env: { PATH: "/usr/bin:/bin", SHOT: `sh${i}` },
        pid: live ? live.pid! : 4_000_000 + i,
        startTime: live ? startTimeOfPid(live.pid!) : 1_732_406_400 + i,
        outputFile: path.join(dir, `out${i}.log`),
      });
      if (live) aliveHash = record.hash;
    }
    await registry.close();
    const server = await startServer({ PROCESS_MONITOR_DB: dbPath });
    try {
      await time(server, "/"); // first request marks the dead ones stopped
      const list: number[] = [];
      for (let i = 0; i < 20; i++) list.push(await time(server, "/"));
      report(`${size} records: GET / (median / p95 of 20)`, `${ms(median(list))} / ${ms(percentile(list, 95))}`, "< 200 ms at 10,000");
      const filtered: number[] = [];
      for (let i = 0; i < 10; i++) filtered.push(await time(server, "/?q=sh99&sort=cpu"));
      report(`${size} records: GET /?q=…&sort=cpu (median)`, ms(median(filtered)));
      const detail: number[] = [];
      for (let i = 0; i < 20; i++) detail.push(await time(server, `/processes/${aliveHash}`));
      report(`${size} records: GET /processes/<hash> (median / p95)`, `${ms(median(detail))} / ${ms(percentile(detail, 95))}`);
    } finally {
      await server.stop();
      for (const child of alive) child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
