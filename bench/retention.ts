// One retention pass over 50,000 records and 50,000 output files: npm run bench -- retention
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Registry } from "../lib/registry";
import { applyRetention } from "../lib/retention/apply";
import { DEFAULT_POLICY } from "../lib/retention/policy";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { ms, report } from "./stats";

const RECORDS = 50_000;
const DAY = 86400;

/** 50,000 stopped records over the last 60 days, each with a 2 KB output file, in one transaction. */
function seed(dbPath: string, outputDir: string): void {
  fs.mkdirSync(outputDir, { recursive: true });
  const db = new Database(dbPath);
  const insert = db.prepare(
    "INSERT INTO process_info (hash, name, executable, args, env, cwd, pid, output_file, start_time, stopped, exit_code, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?)",
  );
  const body = Buffer.alloc(2048, "r");
  const now = Date.now() / 1000;
  db.transaction(() => {
    for (let i = 0; i < RECORDS; i++) {
      const out = path.join(outputDir, `render_${i}.log`);
      fs.writeFileSync(out, body);
      const ended = now - (i / RECORDS) * 60 * DAY;
      insert.run(
        crypto.randomBytes(32).toString("hex"),
        `render${i % 50}`,
        "/opt/hfs/bin/husk",
        '["-f","1"]',
        "{}",
        "/tmp",
        5_000_000 + i,
        out,
        ended - 30,
        ended,
      );
    }
  })();
  db.close();
}

/** Peak resident memory while `fn` runs, sampled every 10 ms. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peak: number; before: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peak, before };
  } finally {
    clearInterval(timer);
  }
}

export async function benchRetention(): Promise<void> {
  console.log(`\nretention: one pass over ${RECORDS.toLocaleString("en")} records and output files (npm run bench -- retention)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-bench-retention-"));
  try {
    const dbPath = path.join(dir, "registry.db");
    const registry = await Registry.open(dbPath, { driver: "direct" });
    const t0 = performance.now();
    seed(dbPath, registry.outputDir);
    console.log(`  (seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s; policy: 14 days, 1,000 records, 10 GB)`);

    const dry = await withPeakRss(() => applyRetention(registry, DEFAULT_POLICY, { dryRun: true }));
    report("dry run: plan only", `${ms(dry.value.tookMs)} (${dry.value.plan.remove.length} to remove)`);
    // How long other work (a server's requests) would wait behind the pass.
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const real = await withPeakRss(() => applyRetention(registry, DEFAULT_POLICY));
    delay.disable();
    const left = fs.readdirSync(registry.outputDir).filter((f) => f.endsWith(".log")).length;
    report("real pass: check, plan, delete rows and files", `${ms(real.value.tookMs)} (${real.value.result!.deleted} removed)`);
    report("  memory: peak RSS growth during the pass", `${((real.peak - real.before) / 2 ** 20).toFixed(1)} MiB`);
    report("  event-loop delay during the pass: p99 / max", `${ms(delay.percentile(99) / 1e6)} / ${ms(delay.max / 1e6)}`);
    report("  left: records / output files", `${(await registry.count()).toLocaleString("en")} / ${left.toLocaleString("en")}`);
    const again = await applyRetention(registry, DEFAULT_POLICY);
    report("next pass, nothing to remove", ms(again.tookMs));
    await registry.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
