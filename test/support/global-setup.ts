// Builds the dashboard and the CLI bundle once before the tests (skipped when up to date), and
// after them checks that the run left nothing behind: no process it started (each inherits
// PM_TEST_RUN, so servers, agents, keepers and launches are all found) and no temp folder.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureBuild } from "../../scripts/ensure-build.js";
import { buildCli, cliBundleIsStale } from "../../scripts/build-cli.js";

const RUN_VARIABLE = "PM_TEST_RUN";

function tempFolders(): Set<string> {
  return new Set(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith("pm-")));
}

/** Processes of this run still alive, other than the test runner itself. */
function leftRunning(marker: string): Array<{ pid: number; command: string }> {
  if (process.platform !== "linux") return [];
  const found: Array<{ pid: number; command: string }> = [];
  for (const name of fs.readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
      if (!environ.includes(marker)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue; // a zombie: ended, not yet reaped
      const command = fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim().replace(/\s+/g, " ");
      if (/node_modules[\\/](vitest|tinypool)/.test(command)) continue; // the runner's own workers
      // Which test's: its home is that test's temp folder.
      const home = environ.find((v) => v.startsWith("HOME="))?.slice(5) ?? "?";
      found.push({ pid, command: `${command.slice(0, 160)} (HOME ${home}, cwd ${fs.readlinkSync(`/proc/${pid}/cwd`)})` });
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return found;
}

export default async function setup(): Promise<() => void> {
  ensureBuild();
  if (cliBundleIsStale()) await buildCli();
  const marker = `${RUN_VARIABLE}=${crypto.randomUUID()}`;
  process.env[RUN_VARIABLE] = marker.slice(RUN_VARIABLE.length + 1);
  const before = tempFolders();
  return () => {
    const problems: string[] = [];
    // A stop with a grace period may still be finishing: give the last ones a moment.
    let alive = leftRunning(marker);
    for (let waited = 0; alive.length > 0 && waited < 5_000; waited += 250) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
      alive = leftRunning(marker);
    }
    for (const { pid, command } of alive) {
      problems.push(`process ${pid} still running: ${command}`);
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    for (const name of tempFolders()) {
      if (before.has(name)) continue;
      problems.push(`temp folder left behind: ${path.join(os.tmpdir(), name)}`);
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    }
    if (problems.length > 0) {
      throw new Error(`The tests left things behind (now removed):\n  ${problems.join("\n  ")}`);
    }
  };
}
