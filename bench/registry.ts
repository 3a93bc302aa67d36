// Registry figures for 1,000 and 10,000 records, 2% of them alive.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Registry } from "../lib/registry";
import { startTimeOfPid } from "../lib/system/probe";
import { median, ms, percentile, report, timed } from "./stats";

async function liveSleeps(count: number): Promise<Array<{ pid: number; startTime: number; child: ChildProcess }>> {
  const children = Array.from({ length: count }, () => spawn("/bin/sleep", ["600"], { stdio: "ignore" }));
  const out = [];
  for (const child of children) {
    let startTime = startTimeOfPid(child.pid!);
    while (startTime === null) {
      await new Promise((r) => setTimeout(r, 5));
      startTime = startTimeOfPid(child.pid!);
    }
    out.push({ pid: child.pid!, startTime, child });
  }
  return out;
}

export async function benchRegistry(sizes = [1_000, 10_000]): Promise<void> {
  console.log("\nregistry (npm run bench -- registry)");
  for (const size of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-bench-"));
    const dbPath = path.join(dir, "registry.db");
    const registry = await Registry.open(dbPath);
    const alive = await liveSleeps(Math.round(size * 0.02));
    try {
      const hashes: string[] = [];
      const [, storeMs] = await timed(async () => {
        for (let i = 0; i < size; i++) {
          const live = i % 50 === 0 ? alive[i / 50] : undefined;
          const record = await registry.store({
            name: `app${i % 7}`,
            executable: "/bin/sleep",
            args: ["600", `--shot=sh${i}`],
            env: { PATH: "/usr/bin:/bin", SHOT: `sh${i}`, PROJECT: "bench" },
            cwd: "/tmp",
            pid: live ? live.pid : 4_000_000 + i,
            startTime: live ? live.startTime : 1_732_406_400 + i,
            outputFile: path.join(dir, `out${i}.log`),
          });
          hashes.push(record.hash);
        }
      });
      report(`${size} records: store throughput`, `${Math.round((size / storeMs) * 1000)} rec/s`);

      const getTimes: number[] = [];
      for (let i = 0; i < 2_000; i++) {
        const hash = hashes[(i * 7919) % hashes.length]!;
        const [, t] = await timed(() => registry.get(hash));
        getTimes.push(t);
      }
      report(`${size} records: get-by-hash median / p95`, `${ms(median(getTimes))} / ${ms(percentile(getTimes, 95))}`, "< 1 ms");

      // First pass: nothing marked yet; every record is checked and 98% are marked stopped
      // in one write. Happens once per registry (e.g. an AYON file nobody invalidated).
      const raw = new Database(dbPath);
      const firstPass: number[] = [];
      const afterOtherWriter: number[] = [];
      for (let i = 0; i < 5; i++) {
        raw.prepare("UPDATE process_info SET stopped = 0").run();
        const [listed, t] = await timed(() => registry.list());
        if (listed.filter((r) => r.status === "running").length !== alive.length) throw new Error("wrong running count");
        firstPass.push(t);
        // Another program (CLI, AYON) wrote a row: every row is read and decoded again.
        raw.prepare("UPDATE process_info SET cwd = cwd WHERE rowid = (SELECT max(rowid) FROM process_info)").run();
        afterOtherWriter.push((await timed(() => registry.list()))[1]);
      }
      raw.close();
      const warm: number[] = [];
      for (let i = 0; i < 9; i++) warm.push((await timed(() => registry.list()))[1]);
      report(`${size} records: list+invalidate, rows changed by another writer`, ms(median(afterOtherWriter)), "< 150 ms at 10,000");
      report(`${size} records: list+invalidate, nothing changed`, ms(median(warm)), "< 150 ms at 10,000");
      report(`${size} records: first list marking 98% stopped (one-off)`, ms(median(firstPass)));
    } finally {
      for (const { child } of alive) child.kill("SIGKILL");
      await registry.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
