// A registry of `size` records of which 2% belong to live `sleep` processes, for benches.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Registry } from "../lib/registry";
import { startTimeOfPid } from "../lib/system/probe";

export interface SeededBench {
  hashes: string[];
  /** Hash of one live record. */
  aliveHash: string;
  alive: ChildProcess[];
  /** Time spent storing the records (the live processes' start-up excluded). */
  storeMs: number;
  /** Kills the live processes. */
  stop: () => void;
}

async function startTimeOf(pid: number): Promise<number> {
  for (;;) {
    const start = startTimeOfPid(pid);
    if (start !== null) return start;
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function seedBenchRegistry(registry: Registry, size: number, dir: string): Promise<SeededBench> {
  const alive = Array.from({ length: Math.round(size * 0.02) }, () => spawn("/bin/sleep", ["600"], { stdio: "ignore" }));
  const starts = await Promise.all(alive.map((child) => startTimeOf(child.pid!)));
  const hashes: string[] = [];
  let aliveHash = "";
  const started = performance.now();
  for (let i = 0; i < size; i++) {
    const live = i % 50 === 0 ? i / 50 : -1;
    const record = await registry.store({
      name: `app${i % 7}`,
      executable: "/bin/sleep",
      args: ["600", `--shot=sh${i}`],
      env: { PATH: "/usr/bin:/bin", SHOT: `sh${i}`, PROJECT: "bench" },
      cwd: "/tmp",
      pid: live >= 0 ? alive[live]!.pid! : 4_000_000 + i,
      startTime: live >= 0 ? starts[live]! : 1_732_406_400 + i,
      outputFile: path.join(dir, `out${i}.log`),
    });
    hashes.push(record.hash);
    if (live >= 0) aliveHash = record.hash;
  }
  const storeMs = performance.now() - started;
  return { hashes, aliveHash, alive, storeMs, stop: () => alive.forEach((child) => child.kill("SIGKILL")) };
}
