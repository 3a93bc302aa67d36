// Launch and stop figures: npm run bench -- launcher
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import Database from "better-sqlite3";
import { launch, stopProcess } from "../lib/launcher";
import { Registry } from "../lib/registry";
import { readProcStat } from "../lib/system/proc-linux";
import { UsageSampler } from "../lib/processes/end-record";
import { median, ms, percentile, report, timed } from "./stats";

export async function benchLauncher(): Promise<void> {
  console.log("\nlauncher (npm run bench -- launcher)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-bench-launch-"));
  const dbPath = path.join(dir, "registry.db");
  const registry = await Registry.open(dbPath);
  try {
    const launches: number[] = [];
    for (let i = 0; i < 50; i++) {
      const [launched, t] = await timed(() => launch(registry, { name: "true", executable: "/bin/true" }));
      launches.push(t);
      const exit = await launched.exited;
      if (exit.exitCode !== 0) throw new Error(`/bin/true recorded as ${JSON.stringify(exit)}`);
    }
    report(
      "launch to recorded, /bin/true (median / p95 of 50)",
      `${ms(median(launches))} / ${ms(percentile(launches, 95))}`,
      "median < 50 ms",
    );

    // The keeper waiting for each launch: its memory while the program runs.
    const waiting = [];
    for (let i = 0; i < 10; i++) waiting.push((await launch(registry, { name: "sleep", executable: "/bin/sleep", args: ["300"] })).record);
    const rss = waiting.map((r) => {
      const status = fs.readFileSync(`/proc/${r.keeperPid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
    });
    report("keeper RSS while waiting (median / max of 10)", `${median(rss).toFixed(2)} / ${Math.max(...rss).toFixed(2)} MiB`, "< 2 MB");
    for (const r of waiting) await stopProcess(registry, r.hash, { force: true });
    const [, endToRecord] = await timed(async () => {
      const { exited } = await launch(registry, { name: "short", executable: "/bin/true" });
      await exited;
    });
    report("launch + end recorded by the keeper, /bin/true", ms(endToRecord));

    const stops: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { record } = await launch(registry, { name: "sleep", executable: "/bin/sleep", args: ["300"] });
      while (readProcStat(record.pid!)?.comm !== "sleep") await new Promise((r) => setTimeout(r, 2));
      const [result, t] = await timed(() => stopProcess(registry, record.hash));
      if (result.signal !== "SIGTERM") throw new Error("cooperative child needed SIGKILL");
      stops.push(t);
    }
    report("stop a cooperative child (median / p95 of 20)", `${ms(median(stops))} / ${ms(percentile(stops, 95))}`);

    const cli = path.resolve("bin/process-monitor.js");
    const cliRuns: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      execFileSync(process.execPath, [cli, "launch", "--db", dbPath, "--name", "cli", "--", "/bin/true"]);
      cliRuns.push(performance.now() - t);
    }
    report("CLI `launch` end to end, incl. start-up (median of 5)", ms(median(cliRuns)));
    await benchSampler(registry, dbPath);
  } finally {
    await registry.close();
    // Keepers of the records just stopped may still be writing their ends.
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  }
}

/**
 * The usage sampler (SPEC "The end record") over 50 running records, each a small tree (a shell
 * and its sleep): its CPU per round as a share of one core at the default 5 s, and what an hour
 * of history costs a record in the registry file (a simulated hour: 720 points).
 */
async function benchSampler(registry: Registry, dbPath: string): Promise<void> {
  const hashes: string[] = [];
  for (let i = 0; i < 50; i++) {
    const launched = await launch(registry, { name: `sampled-${i}`, executable: "/bin/sh", args: ["-c", "sleep 600 & exec sleep 600"] });
    hashes.push(launched.record.hash);
  }
  const sampler = new UsageSampler(async () => registry);
  try {
    await sampler.round();
    const rounds: number[] = [];
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const before = process.cpuUsage();
      await sampler.round();
      const used = process.cpuUsage(before);
      rounds.push((used.user + used.system) / 1000);
    }
    report("sampler: CPU per round over 50 running records (median / max of 10)", `${ms(median(rounds))} / ${ms(Math.max(...rounds))}`);
    report("  as a share of one core at one round every 5 s", `${((median(rounds) / 5000) * 100).toFixed(2)}%`, "< 2%");
    const size = () => fs.statSync(dbPath).size + (fs.existsSync(`${dbPath}-wal`) ? fs.statSync(`${dbPath}-wal`).size : 0);
    const checkpoint = () => {
      const db = new Database(dbPath);
      db.pragma("wal_checkpoint(TRUNCATE)");
      db.close();
    };
    checkpoint();
    const start = size();
    const t0 = 1_800_000_000;
    for (let k = 0; k < 720; k++) {
      await registry.addSamples(
        hashes.map((hash) => ({
          hash,
          point: { at: t0 + k * 5, span: 5, cpuPercent: 12.5, rssBytes: 3 * 2 ** 30 + k, gpuBytes: null },
          hwmBytes: null,
          cpuSeconds: k,
          oomKills: 0,
          cgroup: null,
          cgroupOomKills: null,
        })),
      );
    }
    checkpoint();
    report(
      "history: registry bytes per record-hour at 5 s (720 points, the most a record keeps)",
      `${((size() - start) / 50 / 1024).toFixed(1)} KiB`,
    );
  } finally {
    for (const hash of hashes) await stopProcess(registry, hash, { force: true }).catch(() => undefined);
  }
}
