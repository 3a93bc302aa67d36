// `npm run bench -- windows`: under Wine, our Windows process table (20 named pids checked
// by pid and creation time; the whole table) beside ps-list's Windows path (fastlist.exe) in
// the same run, and the memory of the per-user supervisor.
import { spawn, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { WINE, bundleForWindows, nodeExe, prefix, prepareWindows } from "../scripts/prepare-windows.js";
import { ms, report } from "./stats";

const win = (p: string) => `Z:${p.replace(/\//g, "\\")}`;

/** The Linux-side resident memory of the Wine process running a Windows program (what it really takes). */
function linuxRssOf(match: string): number | null {
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!fs.readFileSync(`/proc/${name}/cmdline`, "utf8").includes(match)) continue;
      const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${name}/status`, "utf8"))?.[1];
      if (kb) return Number(kb) * 1024;
    } catch {
      /* gone */
    }
  }
  return null;
}

export async function benchWindows(): Promise<void> {
  console.log("\n## windows (under Wine: Node for Windows, Win32 through koffi)");
  if (!prepareWindows((line) => void console.log(line))) return;
  const root = path.resolve(import.meta.dirname, "..");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pm-bench-win-"));
  const build = path.join(root, ".cache", "windows", `bench-${process.pid}`);
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: "-all" };
  try {
    const bundles = await bundleForWindows({ driver: "bench/windows-driver.ts" }, build);
    const out = path.join(work, "figures.json");
    const pipe = `\\\\.\\pipe\\pm-bench-${crypto.randomBytes(4).toString("hex")}`;
    const log = fs.openSync(path.join(work, "driver.log"), "w");
    const child = spawn(WINE, [nodeExe, win(bundles.driver!), win(out), win(bundles.supervisor!), pipe, win(work)], {
      env,
      stdio: ["ignore", log, log],
    });
    // The supervisor's memory is read from Linux while the driver waits with it watching a program.
    let supervisorRss: number | null = null;
    let bareRss: number | null = null;
    const sampler = setInterval(() => {
      supervisorRss = linuxRssOf("supervisor.mjs") ?? supervisorRss;
      bareRss = linuxRssOf("setTimeout(() => {}, 600000)") ?? bareRss;
    }, 250);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    clearInterval(sampler);
    fs.closeSync(log);
    if (code !== 0 || !fs.existsSync(out))
      throw new Error(`the Windows bench driver failed: ${fs.readFileSync(path.join(work, "driver.log"), "utf8")}`);
    const f = JSON.parse(fs.readFileSync(out, "utf8")) as Record<string, number | null>;
    const mb = (n: number | null) => (n === null ? "unknown" : `${(n / 2 ** 20).toFixed(1)} MB`);
    console.log(`median of ${f.runs} each, ours and ps-list taken in turn in one run, on the same 20 live node.exe`);
    report("20 named pids, ours (pid + creation time checked)", ms(f.ours20!));
    report("20 named pids, ps-list (fastlist.exe; pid only)", ms(f.psList20!));
    report(`whole table, ours (${f.tableSize} processes, with creation times)`, ms(f.oursTable!));
    report(`whole table, ps-list (${f.psListSize} processes)`, ms(f.psListTable!));
    report("supervisor, resident memory (Linux VmRSS of its Wine process)", mb(supervisorRss), "< 60 MB");
    report("bare node.exe doing nothing, same measure (Wine's and Node's floor)", mb(bareRss));
    report("supervisor, working set as Windows reports it", mb(f.supervisorWorkingSet ?? null));
  } finally {
    try {
      execFileSync(path.join(path.dirname(WINE), "wineserver"), ["-k"], { env, stdio: "ignore" });
    } catch {
      /* nothing ran */
    }
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(build, { recursive: true, force: true });
  }
}
