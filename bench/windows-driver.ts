// Runs under Node for Windows (bench/windows.ts starts it under Wine): our Windows process
// table and ps-list's Windows path (its bundled fastlist.exe) timed side by side in one run,
// on the same 20 live programs. Figures go to the file named by argv[2].
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import psList from "ps-list";
import { ProcessSnapshot } from "../lib/system/snapshot";
import { identifyProcess } from "../lib/system/probe";
import { launchOnWindows } from "../lib/launcher/win32/start";
import { readProcessFacts } from "../lib/system/win32/processes";
import { terminateAs } from "../lib/launcher/win32/stop";

const [outFile, supervisorScript, pipe, workDir] = process.argv.slice(2) as [string, string, string, string];
const RUNS = 30;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Medians of two ways timed in turn (a, b, a, b...), so both see the same machine. */
async function inTurn(a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number, number]> {
  const samples: [number[], number[]] = [[], []];
  await a();
  await b();
  for (let i = 0; i < RUNS; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const start = process.hrtime.bigint();
      await fn();
      samples[k]!.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return [median(samples[0]), median(samples[1])];
}

const children: ChildProcess[] = [];
for (let i = 0; i < 20; i++) children.push(spawn(process.execPath, ["-e", "setTimeout(() => {}, 600000)"], { stdio: "ignore" }));
await new Promise((r) => setTimeout(r, 3000));
const named = await ProcessSnapshot.take();
const records = children.map((c) => ({ pid: c.pid!, startTime: named.statOf(c.pid!)!.startTime, executable: process.execPath }));

const [ours20, psList20] = await inTurn(
  async () => {
    const snapshot = await ProcessSnapshot.ofPids(records.map((r) => r.pid));
    for (const r of records)
      if (identifyProcess(snapshot, r.pid, r.executable, r.startTime).liveness !== "running") throw new Error("not running");
  },
  async () => {
    const table = new Map((await psList()).map((p) => [p.pid, p]));
    // ps-list on Windows has no creation time: only whether the pid is there, with some name.
    for (const r of records) if (!table.has(r.pid)) throw new Error("missing");
  },
);
let tableSize = 0;
let psListSize = 0;
const [oursTable, psListTable] = await inTurn(
  async () => {
    tableSize = (await ProcessSnapshot.take()).size;
  },
  async () => {
    psListSize = (await psList()).length;
  },
);

// The supervisor a launch starts, and what it costs while it watches one program.
fs.writeFileSync(`${workDir}\\bench-output.log`, "");
const launched = await launchOnWindows({
  executable: process.execPath,
  args: ["-e", "setTimeout(() => {}, 600000)"],
  cwd: workDir,
  env: process.env as Record<string, string>,
  outputFile: `${workDir}\\bench-output.log`,
  id: `bench-${Date.now()}`,
  sidecar: `${workDir}\\bench-output.log.exit`,
  dbPath: null,
  cli: null,
  supervisor: supervisorScript,
  pipe,
});
launched.go();
await new Promise((r) => setTimeout(r, 2000));
const supervisorWorkingSet = launched.supervisorPid ? (readProcessFacts(launched.supervisorPid).facts?.rssBytes ?? null) : null;
terminateAs({ pid: launched.pid, startTime: launched.startTime });
for (const c of children) c.kill();

fs.writeFileSync(
  outFile,
  JSON.stringify({
    runs: RUNS,
    ours20,
    psList20,
    oursTable,
    psListTable,
    tableSize,
    psListSize,
    supervisorPid: launched.supervisorPid,
    supervisorWorkingSet,
  }),
);
process.exit(0);
