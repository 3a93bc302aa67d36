#!/usr/bin/env node
// `npm test`: the test suite, then a check that it left nothing behind. Every process the run
// starts inherits PM_TEST_RUN (servers, agents, keepers, launches, their children), so one
// still alive afterwards is found by its environment; a new /tmp/pm-* folder is one a test did
// not remove. Either fails the run, named, after it is killed or removed.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WINE, prepareWindows } from "./prepare-windows.js";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const vitest = path.join(root, "node_modules", "vitest", "vitest.mjs");
const RUN_VARIABLE = "PM_TEST_RUN";

const tempFolders = () => new Set(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith("pm-")));

/** Processes of this run still alive (zombies aside). */
function leftRunning(marker) {
  if (process.platform !== "linux") return [];
  const found = [];
  for (const name of fs.readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
      if (!environ.includes(marker)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const command = fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").replace(/\s+/g, " ").trim();
      // Which test's: its home is that test's temp folder.
      const home = environ.find((v) => v.startsWith("HOME="))?.slice(5) ?? "?";
      found.push({ pid, what: `${command.slice(0, 160)} (HOME ${home}, cwd ${fs.readlinkSync(`/proc/${pid}/cwd`)})` });
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return found;
}

// The Windows suite runs under Wine where Wine is installed: Node for Windows and koffi's
// Windows build are fetched from npm into .cache/windows first (once).
if (fs.existsSync(WINE)) {
  try {
    prepareWindows();
  } catch (error) {
    console.error(`Windows suite: could not prepare it (${error.message}); test/windows.test.ts will say so`);
  }
}

const id = crypto.randomUUID();
const marker = `${RUN_VARIABLE}=${id}`;
const before = tempFolders();
const run = spawnSync(process.execPath, [vitest, "run", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, [RUN_VARIABLE]: id },
});

const problems = [];
// A stop with a grace period may still be finishing: give the last ones a moment.
let alive = leftRunning(marker);
for (let waited = 0; alive.length > 0 && waited < 5_000; waited += 250) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
  alive = leftRunning(marker);
}
for (const { pid, what } of alive) {
  problems.push(`process ${pid} still running: ${what}`);
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
  console.error(`\nThe tests left things behind (now killed or removed):\n  ${problems.join("\n  ")}\n`);
  console.log(`leftovers: ${problems.length} left behind, the run fails`);
}
process.exit(run.status !== 0 ? (run.status ?? 1) : problems.length > 0 ? 1 : 0);
