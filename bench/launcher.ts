// Launch and stop figures: npm run bench -- launcher
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { launch, stopProcess } from "../lib/launcher";
import { Registry } from "../lib/registry";
import { readProcStat } from "../lib/system/proc-linux";
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
  } finally {
    await registry.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
