import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { applyRetention } from "../lib/retention/apply";
import { parseAge, parseSize, policyFromEnv, PolicyError, type RetentionPolicy } from "../lib/retention/policy";
import { Registry } from "../lib/registry";
import { startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

const DAY = 86400;
const KB = 1024;
const now = Date.now() / 1000;
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

const NONE: RetentionPolicy = { keepDays: null, keepRecords: null, maxOutputBytes: null };

/** Records and output files as a workstation has them, in a folder of their own. */
async function seed() {
  const dir = tempDir("pm-retention-");
  const dbPath = path.join(dir, "registry.db");
  const registry = await Registry.open(dbPath);
  fs.mkdirSync(registry.outputDir, { recursive: true });
  const stopped: Array<{ hash: string; ageDays: number; bytes: number }> = [];
  // Ten stopped records, 1..28 days old, with 10..100 KB of output each.
  for (let i = 0; i < 10; i++) {
    const ageDays = 1 + i * 3;
    const bytes = (i + 1) * 10 * KB;
    const out = path.join(registry.outputDir, `job-${i}.log`);
    fs.writeFileSync(out, Buffer.alloc(bytes, "x"));
    const record = await registry.store({
      name: `job-${i}`,
      executable: "/bin/true",
      pid: 4_950_000 + i,
      startTime: now - ageDays * DAY - 60,
      endedAt: now - ageDays * DAY,
      outputFile: out,
      stopped: true,
    });
    stopped.push({ hash: record.hash, ageDays, bytes });
  }
  // A running program recorded 60 days ago (no start time, so its executable identifies it),
  // with a big output file: never touched.
  const sleeper = spawn("/bin/sleep", ["300"], { stdio: "ignore" });
  children.push(sleeper);
  const liveOut = path.join(registry.outputDir, "live.log");
  fs.writeFileSync(liveOut, Buffer.alloc(500 * KB, "y"));
  const live = await registry.store({
    name: "old-but-running",
    executable: "/bin/sleep",
    pid: sleeper.pid!,
    startTime: null,
    outputFile: liveOut,
  });
  await registry.close();
  const db = new Database(dbPath);
  db.prepare("UPDATE process_info SET created_at = datetime('now', '-60 days') WHERE hash = ?").run(live.hash);
  db.close();
  return { dir, dbPath, stopped, live, liveOut };
}

function fingerprint(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  const rows = db.prepare("SELECT hash, stopped FROM process_info ORDER BY hash").raw().all();
  db.close();
  const folder = path.join(path.dirname(dbPath), "process_output");
  return crypto
    .createHash("sha256")
    .update(JSON.stringify([rows, fs.readdirSync(folder).sort()]))
    .digest("hex");
}

async function run(dbPath: string, policy: RetentionPolicy, dryRun = false) {
  const registry = await Registry.open(dbPath);
  try {
    return await applyRetention(registry, policy, { dryRun });
  } finally {
    await registry.close();
  }
}

const removed = (outcome: Awaited<ReturnType<typeof run>>) => outcome.plan.remove.map((r) => r.hash).sort();

describe("retention policy", () => {
  it("reads its limits from the environment and its flags, and refuses nonsense clearly", () => {
    expect(policyFromEnv({})).toEqual({ keepDays: 14, keepRecords: 1000, maxOutputBytes: 10240 * 1024 * 1024 });
    expect(
      policyFromEnv({ PROCESS_MONITOR_KEEP_DAYS: "3", PROCESS_MONITOR_KEEP_RECORDS: "off", PROCESS_MONITOR_KEEP_OUTPUT_MB: "1" }),
    ).toEqual({
      keepDays: 3,
      keepRecords: null,
      maxOutputBytes: 1024 * 1024,
    });
    expect(() => policyFromEnv({ PROCESS_MONITOR_KEEP_DAYS: "a week" })).toThrow(/PROCESS_MONITOR_KEEP_DAYS must be a number/);
    expect(parseAge("7d")).toBe(7);
    expect(parseAge("12h")).toBe(0.5);
    expect(parseAge("2w")).toBe(14);
    expect(parseSize("5G")).toBe(5 * 1024 ** 3);
    expect(parseSize("500M")).toBe(500 * 1024 ** 2);
    expect(parseSize("10KiB")).toBe(10 * 1024);
    expect(() => parseAge("yesterday")).toThrow(PolicyError);
    expect(() => parseSize("lots")).toThrow(/--max-output takes a size/);
  });

  it("applies each limit alone, oldest stopped first, and never a running record", async () => {
    const { dbPath, stopped, live, liveOut } = await seed();
    const oldest = [...stopped].sort((a, b) => b.ageDays - a.ageDays);

    const byAge = await run(dbPath, { ...NONE, keepDays: 14 }, true);
    expect(removed(byAge)).toEqual(
      stopped
        .filter((s) => s.ageDays > 14)
        .map((s) => s.hash)
        .sort(),
    );
    expect(byAge.plan.remove.every((r) => r.reason === "age")).toBe(true);

    const byCount = await run(dbPath, { ...NONE, keepRecords: 3 }, true);
    expect(removed(byCount)).toEqual(
      oldest
        .slice(0, 7)
        .map((s) => s.hash)
        .sort(),
    );

    // The folder holds 550 KB of stopped output + 500 KB running; under 700 KB means the
    // oldest stopped go until the rest fits.
    const total = stopped.reduce((n, s) => n + s.bytes, 0) + 500 * KB;
    const byOutput = await run(dbPath, { ...NONE, maxOutputBytes: 700 * KB }, true);
    expect(byOutput.plan.outputTotalBytes).toBe(total);
    let left = total;
    const expected: string[] = [];
    for (const s of oldest) {
      if (left <= 700 * KB) break;
      expected.push(s.hash);
      left -= s.bytes;
    }
    expect(removed(byOutput)).toEqual(expected.sort());
    expect(byOutput.plan.removeBytes).toBe(total - left);

    // An output limit that only the running record breaks: everything stopped goes, it stays.
    const tiny = await run(dbPath, { ...NONE, maxOutputBytes: 100 * KB });
    expect(tiny.result!.deleted).toBe(10);
    expect(tiny.plan.stillOverBytes).toBe(400 * KB);
    const registry = await Registry.open(dbPath);
    const after = await registry.list();
    await registry.close();
    expect(after.map((r) => r.hash)).toEqual([live.hash]);
    expect(after[0]!.status).toBe("running");
    expect(fs.statSync(liveOut).size).toBe(500 * KB);
  });

  it("applies the limits together, and a dry run reports exactly what the real run then removes", async () => {
    const { dbPath, stopped, live } = await seed();
    // Age takes the 3 oldest, the count 2 more, and the output limit one more after them.
    const policy: RetentionPolicy = { keepDays: 20, keepRecords: 5, maxOutputBytes: 600 * KB };
    const before = fingerprint(dbPath);
    const dry = await run(dbPath, policy, true);
    expect(fingerprint(dbPath)).toBe(before);
    expect(dry.result).toBeNull();
    const reasons = new Set(dry.plan.remove.map((r) => r.reason));
    expect(reasons).toEqual(new Set(["age", "count", "output"]));
    const real = await run(dbPath, policy);
    expect(real.result!.hashes.sort()).toEqual(removed(dry));
    expect(real.plan.removeBytes).toBe(dry.plan.removeBytes);
    for (const r of dry.plan.remove) {
      const file = path.join(path.dirname(dbPath), "process_output", `${r.name}.log`);
      expect(fs.existsSync(file), file).toBe(false);
    }
    const registry = await Registry.open(dbPath);
    const left = (await registry.list()).map((r) => r.hash);
    await registry.close();
    expect(left).toContain(live.hash);
    expect(left.length).toBe(stopped.length + 1 - dry.plan.remove.length);
    // A second pass has nothing left to do.
    expect((await run(dbPath, policy, true)).plan.remove).toEqual([]);
  });

  it("cleans an AYON-written registry the same way, and AYON's positional reader still reads it", async () => {
    const dir = tempDir("pm-retention-ayon-");
    const dbPath = path.join(dir, "process_handlers.db");
    const sleeper = spawn("/bin/sleep", ["300"], { stdio: "ignore" });
    children.push(sleeper);
    await new Promise((r) => setTimeout(r, 200));
    const start = Number(
      execFileSync("/usr/bin/python3", ["test/support/ayon_reference.py", "start-time", String(sleeper.pid)], { encoding: "utf8" }),
    );
    execFileSync("/usr/bin/python3", ["test/support/ayon_reference.py", "seed", dbPath, "30"], {
      input: JSON.stringify([[sleeper.pid, "/bin/sleep", start]]),
    });
    const outcome = await run(dbPath, { ...NONE, keepDays: 14 });
    // The seeded dead rows started in 2024: all go; the live one stays.
    expect(outcome.result!.deleted).toBe(29);
    const read = spawnSync("/usr/bin/python3", ["test/support/ayon_reference.py", "read-positional", dbPath], { encoding: "utf8" });
    expect(read.status, read.stderr).toBe(0);
    const rows = JSON.parse(read.stdout) as Array<{ pid: number; executable: string }>;
    expect(rows.map((r) => [r.pid, r.executable])).toEqual([[sleeper.pid, "/bin/sleep"]]);
  });

  it("runs from the CLI with --older-than, --keep, --max-output and --dry-run, and refuses bad flags", async () => {
    const { dbPath, stopped } = await seed();
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ["bin/process-monitor.js", "prune", "--db", dbPath, ...args], { encoding: "utf8" });
    const before = fingerprint(dbPath);
    const dry = cli("--older-than", "2w", "--dry-run");
    expect(dry.status).toBe(0);
    const old = stopped.filter((s) => s.ageDays > 14);
    expect(dry.stdout).toMatch(new RegExp(`^Would delete ${old.length} stopped records \\(.+ of output\\); nothing was changed\\.`));
    for (const s of old) expect(dry.stdout).toContain(s.hash.slice(0, 12));
    expect(fingerprint(dbPath)).toBe(before);
    const json = JSON.parse(cli("--keep", "4", "--max-output", "5G", "--json").stdout);
    expect(json).toMatchObject({ dryRun: false, deleted: 6 });
    expect(json.records.every((r: { reason: string }) => r.reason === "count")).toBe(true);
    const bad = cli("--older-than", "soon");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--older-than takes an age such as 7d/);
    expect(cli("--keep", "-1").status).toBe(2);
  });
});

describe("retention in the server", () => {
  let server: RunningServer;
  afterAll(() => server?.stop());

  it("cleans at start, says so in its log and on the list page, and flags a runaway log of a running record", async () => {
    const { dir, dbPath, stopped, live } = await seed();
    server = await startServer({
      PROCESS_MONITOR_DB: dbPath,
      HOME: dir,
      PROCESS_MONITOR_RETENTION: "on",
      PROCESS_MONITOR_KEEP_DAYS: "11",
      // 1 MB: a quarter of it (256 KB) makes the running record's 500 KB a runaway log.
      PROCESS_MONITOR_KEEP_OUTPUT_MB: "1",
    });
    await expect
      .poll(() => server.logs())
      .toMatch(/process-monitor: retention \(keep stopped records for 11 days.*\): removed \d+ stopped records/);
    // React puts comments between adjacent text parts.
    const html = async (url: string) => (await (await server.api(url)).text()).replace(/<!-- -->/g, "");
    const page = await html("/");
    const goneByAge = stopped.filter((s) => s.ageDays > 11).length;
    expect(page).toMatch(new RegExp(`last cleanup <time[^>]*>[^<]*</time>: removed ${goneByAge} records`));
    expect(page).toContain("Output folder");
    expect(page).toMatch(/data-testid="retention-next"/);
    expect(page).toMatch(/data-testid="runaway"[^>]*>runaway log/);
    const detail = await html(`/processes/${live.hash}`);
    expect(detail).toMatch(/Runaway log: this running process has written 500(\.0)? KB/);
  }, 120_000);
});
