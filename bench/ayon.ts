// Our listing against the AYON launcher's, side by side on the same file in one run:
// npm run bench -- ayon
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { ensureBuild } from "../scripts/ensure-build.js";
import { buildCli, cliBundleIsStale } from "../scripts/build-cli.js";
import { openProcesses } from "../lib/processes";
import { ALL } from "../lib/processes/query";
import { Registry } from "../lib/registry";
import { readProcExe } from "../lib/system/proc-linux";
import { startTimeOfPid } from "../lib/system/probe";
import { logIn, startServer } from "../test/support/next-server";
import { median, ms, report, reportBeside, reportTarget, timed } from "./stats";

const python = process.env.AYON_PYTHON ?? "/usr/bin/python3";
const reference = path.resolve(import.meta.dirname, "..", "test", "support", "ayon_reference.py");
const bin = path.resolve(import.meta.dirname, "..", "bin", "process-monitor.js");

interface AyonTimes {
  first_ms: number[];
  steady_ms: number[];
  running: number;
}

async function until<T>(probe: () => T | null): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = probe();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("a bench process did not start");
}

/** 2% of `size` live processes; a quarter of them wrappers that exec'd (AYON calls those stopped). */
async function startLive(size: number): Promise<{ children: ChildProcess[]; live: Array<[number, string, number]>; execd: number }> {
  const count = Math.max(1, Math.round(size * 0.02));
  const children: ChildProcess[] = [];
  const live: Array<[number, string, number]> = [];
  let execd = 0;
  for (let i = 0; i < count; i++) {
    const wrapped = i % 4 === 3;
    const child = wrapped
      ? spawn("/bin/sh", ["-c", "exec /bin/sleep 600"], { stdio: "ignore" })
      : spawn("/bin/sleep", ["600"], { stdio: "ignore" });
    children.push(child);
    const start = await until(() => startTimeOfPid(child.pid!));
    if (wrapped) {
      await until(() => (readProcExe(child.pid!).path?.endsWith("/sleep") ? true : null));
      execd++;
    }
    live.push([child.pid!, wrapped ? "/bin/sh" : "/bin/sleep", start]);
  }
  return { children, live, execd };
}

function ratio(ayon: number, ours: number): string {
  return `${(ayon / ours).toFixed(1)}x`;
}

/** BENCH_AYON_SIZES=1000 (comma-separated): the sizes to run, for a quick look. */
function sizesFromEnv(value = process.env.BENCH_AYON_SIZES): number[] {
  const sizes = (value ?? "")
    .split(",")
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  return sizes.length > 0 ? sizes : [1_000, 10_000];
}

export async function benchAyon(sizes = sizesFromEnv()): Promise<void> {
  console.log("\nours vs the AYON launcher's listing, same file, same run (npm run bench -- ayon)");
  // The floor of anything the CLI does: Node starting and doing nothing.
  const bare: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    spawnSync(process.execPath, ["-e", ""]);
    bare.push(performance.now() - started);
  }
  report("node -e '' (the floor of a CLI command)", ms(median(bare)));
  ensureBuild();
  if (cliBundleIsStale()) await buildCli();
  for (const size of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-bench-ayon-"));
    const dbPath = path.join(dir, "process_handlers.db");
    const { children, live, execd } = await startLive(size);
    try {
      execFileSync(python, [reference, "seed", dbPath, String(size)], { input: JSON.stringify(live) });
      const ayon = JSON.parse(execFileSync(python, [reference, "list-bench", dbPath, "3", "9"], { encoding: "utf8" })) as AyonTimes;

      const [registry, openMs] = await timed(() => Registry.open(dbPath));
      const raw = new Database(dbPath);
      const first: number[] = [];
      const changed: number[] = [];
      const unchanged: number[] = [];
      const firstPage: number[] = [];
      let running = 0;
      try {
        for (let i = 0; i < 3; i++) {
          raw.prepare("UPDATE process_info SET stopped = 0").run();
          first.push((await timed(() => registry.list()))[1]);
        }
        for (let i = 0; i < 9; i++) {
          // Another program (AYON, the CLI) wrote a row: every row is read and decoded again.
          raw.prepare("UPDATE process_info SET cwd = cwd WHERE rowid = (SELECT max(rowid) FROM process_info)").run();
          changed.push((await timed(() => registry.list()))[1]);
        }
        for (let i = 0; i < 9; i++) {
          const [listed, t] = await timed(() => registry.list());
          unchanged.push(t);
          running = listed.filter((r) => r.status !== "stopped").length;
        }
        // The dashboard's first page of the same never-checked file: environments only for its rows.
        const door = await openProcesses(dbPath, dir, { usage: true });
        try {
          for (let i = 0; i < 3; i++) {
            raw.prepare("UPDATE process_info SET stopped = 0").run();
            firstPage.push((await timed(() => door.processes.list({ ...ALL, limit: 100 })))[1]);
          }
        } finally {
          await door.close();
        }
      } finally {
        raw.close();
        await registry.close();
      }

      const ayonSteady = median(ayon.steady_ms);
      const label = `${size.toLocaleString("en")} records`;
      report(`${label}: running (AYON / ours; ${execd} exec'd wrappers)`, `${ayon.running} / ${running}`);
      report(`${label}: first listing, AYON`, ms(median(ayon.first_ms)));
      const firstVsAyon = `${ratio(median(ayon.first_ms), median(first))} AYON`;
      const library = `${label}: first listing, ours (the library's: every record, with its environment)`;
      if (size >= 10_000) reportTarget(library, ms(median(first)), `< 150 ms; ${firstVsAyon}`, median(first) < 150);
      else reportBeside(library, ms(median(first)), firstVsAyon);
      const pageVsAyon = `${ratio(median(ayon.first_ms), median(firstPage))} AYON`;
      reportBeside(`${label}: first page of 100, the dashboard's listing`, ms(median(firstPage)), pageVsAyon);
      report(`${label}: listing, AYON`, ms(ayonSteady));
      const lead = size >= 10_000 ? 30 : 15;
      for (const [what, times] of [
        ["rows changed by AYON", changed],
        ["nothing changed", unchanged],
      ] as const) {
        reportTarget(
          `${label}: listing, ours, ${what}`,
          ms(median(times)),
          `>= ${lead}x AYON: ${ratio(ayonSteady, median(times))}`,
          ayonSteady / median(times) >= lead,
        );
      }
      report(`${label}: ours, open + upgrade AYON's file (once)`, ms(openMs));

      const server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir });
      try {
        const api: number[] = [];
        const health: number[] = [];
        for (let i = 0; i < 21; i++) {
          const [, t] = await timed(async () => (await server.api("/api/processes?limit=100")).arrayBuffer());
          const [, h] = await timed(async () => (await server.api("/api/health")).arrayBuffer());
          if (i > 0) api.push(t);
          if (i > 0) health.push(h);
        }
        report(`${label}: GET /api/health (the HTTP floor)`, ms(median(health)));
        // The list page, server-rendered: the same listing, made into HTML.
        const cookie = `pm_session_${server.port}=${await logIn(server)}`;
        const page: number[] = [];
        for (let i = 0; i < 11; i++) {
          const [, t] = await timed(async () => (await fetch(`${server.url}/`, { headers: { cookie } })).arrayBuffer());
          if (i > 0) page.push(t);
        }
        report(`${label}: the list page / (server-rendered)`, ms(median(page)));
        reportTarget(
          `${label}: GET /api/processes?limit=100, ours`,
          ms(median(api)),
          `<= 1.5x the floor: ${(median(api) / median(health)).toFixed(1)}x; ${ratio(ayonSteady, median(api))} AYON`,
          median(api) <= 1.5 * median(health),
        );
      } finally {
        await server.stop();
      }

      if (size <= 1_000) {
        const cli: number[] = [];
        for (let i = 0; i < 7; i++) {
          const started = performance.now();
          const result = spawnSync(process.execPath, [bin, "list", "--json", "--db", dbPath], { stdio: ["ignore", "ignore", "inherit"] });
          cli.push(performance.now() - started);
          if (result.status !== 0) throw new Error(`process-monitor list failed with ${result.status}`);
        }
        const script: number[] = [];
        for (let i = 0; i < 7; i++) {
          const started = performance.now();
          execFileSync(python, [reference, "list-json", dbPath], { stdio: ["ignore", "ignore", "inherit"] });
          script.push(performance.now() - started);
        }
        report(`${label}: AYON's code read by a script, end to end`, ms(median(script)));
        reportTarget(
          `${label}: process-monitor list --json, end to end`,
          ms(median(cli)),
          `<= 1.5x AYON's script: ${(median(cli) / median(script)).toFixed(1)}x`,
          median(cli) <= 1.5 * median(script),
        );
      }
    } finally {
      for (const child of children) child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
