import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { Registry } from "../lib/registry";
import { tempDbPath } from "./support/temp";

const run = promisify(execFile);
const bin = path.resolve("bin/process-monitor.js");

/** Runs the installed-style `process-monitor` command; never throws, returns code and streams. */
export async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function seed(dbPath: string) {
  const registry = await Registry.open(dbPath);
  const out = registry.newOutputPath("dead");
  fs.writeFileSync(out, "bye\n");
  const dead = await registry.store({ name: "dead", executable: "/bin/false", pid: 999_301, outputFile: out, args: ["-x"] });
  const me = await registry.store({
    name: "node",
    executable: process.execPath,
    pid: process.pid,
    startTime: (await import("../lib/system/probe")).startTimeOfPid(process.pid),
    env: { SECRET_TOKEN: "s3cr3t" },
  });
  await registry.close();
  return { dead, me, out };
}

describe("CLI: list, show, delete, prune", () => {
  it("lists with --json and filters, honouring --db over PROCESS_MONITOR_DB", async () => {
    const dbPath = tempDbPath();
    const { dead, me } = await seed(dbPath);
    const decoy = tempDbPath();

    const all = await cli(["list", "--json", "--db", dbPath], { PROCESS_MONITOR_DB: decoy });
    expect(all.code).toBe(0);
    const records = JSON.parse(all.stdout) as Array<Record<string, unknown>>;
    // Written a record at a time, as JSON.stringify(…, null, 2) would write the whole array.
    expect(all.stdout).toBe(`${JSON.stringify(records, null, 2)}\n`);
    expect(records.map((r) => r.hash).sort()).toEqual([dead.hash, me.hash].sort());
    const first = records.find((r) => r.hash === me.hash)!;
    for (const key of [
      "hash",
      "name",
      "executable",
      "args",
      "env",
      "cwd",
      "pid",
      "outputFile",
      "startTime",
      "createdAt",
      "running",
      "exitCode",
      "endedAt",
    ]) {
      expect(first).toHaveProperty(key);
    }
    expect(first.running).toBe(true);
    expect(String(first.createdAt)).toMatch(/Z$/);

    const running = JSON.parse((await cli(["list", "--running", "--json"], { PROCESS_MONITOR_DB: dbPath })).stdout);
    expect(running.map((r: { hash: string }) => r.hash)).toEqual([me.hash]);
    const stopped = JSON.parse((await cli(["--db", dbPath, "list", "--stopped", "--json"])).stdout);
    expect(stopped.map((r: { hash: string }) => r.hash)).toEqual([dead.hash]);

    const table = await cli(["list", "--db", dbPath]);
    expect(table.stdout).toMatch(/^HASH\s+STATUS\s+PID\s+NAME/);
    expect(table.stdout).toContain(me.hash.slice(0, 12));
    // The decoy registry was never needed.
    expect(fs.existsSync(decoy)).toBe(false);
  });

  it("shows one record by hash or unique prefix; unknown hashes fail clearly", async () => {
    const dbPath = tempDbPath();
    const { dead } = await seed(dbPath);
    const shown = await cli(["show", dead.hash.slice(0, 10), "--json", "--db", dbPath]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ hash: dead.hash, args: ["-x"], running: false });
    const human = await cli(["show", dead.hash, "--db", dbPath]);
    expect(human.stdout).toContain("/bin/false");
    const missing = await cli(["show", "f".repeat(64), "--db", dbPath]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No process record with hash/);
    const usage = await cli(["frobnicate"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown command/);
    const short = await cli(["show", dead.hash.slice(0, 3), "--db", dbPath]);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/too short to name a record: give at least 6 characters/);
  });

  it("says what the page says: the end's reason in the status, peak memory and CPU time in show; an empty answer is not an empty registry (issue 42)", async () => {
    const dbPath = tempDbPath();
    const { dead } = await seed(dbPath);
    const registry = await Registry.open(dbPath);
    await registry.markExited(dead.hash, { exitCode: 1, exitSignal: null, endedAt: Date.now() / 1000 });
    await registry.beginEnd(dead.hash, null);
    await registry.settleEnd(
      dead.hash,
      { kind: "pattern", text: "Python traceback: ValueError: bad", pattern: "Python traceback", line: "ValueError: bad" },
      null,
    );
    await registry.close();
    const raw = new Database(dbPath);
    raw.prepare("UPDATE pm_end SET peak_rss_bytes = ?, cpu_seconds = ? WHERE hash = ?").run(3 * 2 ** 30, 4.25, dead.hash);
    raw.close();
    expect((await cli(["list", "--db", dbPath])).stdout).toMatch(/exited 1 · Python traceback/);
    const shown = (await cli(["show", dead.hash, "--db", dbPath])).stdout;
    expect(shown).toMatch(/^status +exited 1 · Python traceback$/m);
    expect(shown).toMatch(/^why +Python traceback: ValueError: bad$/m);
    expect(shown).toMatch(/^peak mem +3\.0 GB$/m);
    expect(shown).toMatch(/^cpu time +4\.3 s$/m);
    expect((await cli(["list", "--search", "no-such-thing", "--db", dbPath])).stdout).toBe("No matching records (2 in all).\n");
    expect((await cli(["list", "--db", tempDbPath()])).stdout).toBe("No process records.\n");
  });

  it("deletes records and output files; prune prints how many went", async () => {
    const dbPath = tempDbPath();
    const { dead, me, out } = await seed(dbPath);
    const pruned = await cli(["prune", "--db", dbPath]);
    expect(pruned.stdout).toBe("Deleted 1 inactive record.\n");
    expect(fs.existsSync(out)).toBe(false);
    expect((await cli(["prune", "--json", "--db", dbPath])).stdout.trim()).toBe('{"deleted":0,"filesLeftAlone":[]}');

    const deleted = await cli(["delete", me.hash, dead.hash, "--db", dbPath]);
    expect(deleted.stdout).toBe("Deleted 1 record.\n");
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain(dead.hash);
    expect(JSON.parse((await cli(["list", "--json", "--db", dbPath])).stdout)).toEqual([]);
  });

  it("ends quietly when its output pipe closes early (list --json | head -1)", async () => {
    const dbPath = tempDbPath();
    const registry = await Registry.open(dbPath);
    // Enough records that the output outgrows the pipe's buffer after head has gone.
    for (let i = 0; i < 400; i++) {
      await registry.store({ name: `render${i}`, executable: "/bin/true", pid: 4_600_000 + i, stopped: true, args: ["x".repeat(300)] });
    }
    await registry.close();
    const { stdout } = await run(
      "/bin/bash",
      ["-c", `"${process.execPath}" "${bin}" list --json --db "$DB" 2>"$DB.err" | head -1; echo "exit=\${PIPESTATUS[0]}"`],
      { env: { ...process.env, DB: dbPath } },
    );
    expect(stdout).toBe("[\nexit=0\n");
    expect(fs.readFileSync(`${dbPath}.err`, "utf8")).toBe("");
  });

  it("explains a registry it cannot use", async () => {
    const dbPath = tempDbPath();
    fs.writeFileSync(dbPath, "not sqlite".repeat(100));
    const result = await cli(["list", "--db", dbPath]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not an SQLite database.*left untouched/);
  });
});

describe("CLI: what a command loads (issue 36)", () => {
  const logImports = async (args: string[]) => {
    const log = path.join(path.dirname(tempDbPath()), "imports.txt");
    await run(process.execPath, ["--import", path.resolve("test/support/import-log.mjs"), bin, ...args], {
      env: { ...process.env, PM_IMPORT_LOG: log },
    });
    return new Set(fs.readFileSync(log, "utf8").split("\n").filter(Boolean));
  };

  it("`list` and `show` load neither zod, the agent's WebSocket, ps-list nor Prisma; `launch` loads zod when it validates", async () => {
    const dbPath = tempDbPath();
    const { me } = await seed(dbPath);
    for (const args of [
      ["list", "--db", dbPath],
      ["list", "--json", "--db", dbPath],
      ["show", me.hash, "--db", dbPath],
    ]) {
      const loaded = await logImports(args);
      expect(loaded.has("commander"), [...loaded].join(" ")).toBe(true); // the log sees packages
      for (const heavy of ["zod", "ws", "ps-list", "@prisma/client/runtime/client", "@prisma/adapter-better-sqlite3"]) {
        expect([...loaded], args.join(" ")).not.toContain(heavy);
      }
    }
    const launching = await logImports(["launch", "--name", "t", "--db", dbPath, "--", "/bin/true"]);
    expect(launching.has("zod")).toBe(true); // /bin/true: nothing left running
  });
});

describe("CLI: launch and stop", () => {
  it("launches, prints the hash (or the record with --json), and stops", async () => {
    const dbPath = tempDbPath();
    const launched = await cli(["launch", "--db", dbPath, "--name", "sleeper", "--env", "SHOT=sh010", "--", "sleep", "300"]);
    expect(launched.code).toBe(0);
    const hash = launched.stdout.trim();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const shown = JSON.parse((await cli(["show", hash, "--json", "--db", dbPath])).stdout);
    expect(shown).toMatchObject({ name: "sleeper", args: ["300"], running: true });
    expect(shown.executable).toMatch(/^\/.*sleep$/);
    expect(shown.env.SHOT).toBe("sh010");

    const stopped = await cli(["stop", hash.slice(0, 8), "--db", dbPath]);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/^Stopped sleeper \(pid \d+\) with SIGTERM\.$/m);
    const again = await cli(["stop", hash, "--json", "--db", dbPath]);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: "already-stopped" });

    const json = await cli(["launch", "--json", "--db", dbPath, "--name", "j", "--", "/bin/true"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: "j", executable: "/bin/true", args: [], running: true });
  });

  it("says who launched a record: the user recorded at launch, for another launcher's record the owner of its process while it runs", async () => {
    const dbPath = tempDbPath();
    const me = (await import("node:os")).userInfo().username;
    const launched = (await cli(["launch", "--db", dbPath, "--name", "mine", "--", "/bin/true"])).stdout.trim();
    // Recorded at launch: still said once the program has ended.
    await expect.poll(async () => JSON.parse((await cli(["show", launched, "--json", "--db", dbPath])).stdout).running).toBe(false);
    expect(JSON.parse((await cli(["show", launched, "--json", "--db", dbPath])).stdout).user).toBe(me);
    expect((await cli(["show", launched, "--db", dbPath])).stdout).toMatch(new RegExp(`^user\\s+${me}$`, "m"));
    if (process.getuid?.() !== 0) return;
    // AYON's row of a program running as another user (nobody): its owner while it runs, nothing once it ended.
    const { spawn } = await import("node:child_process");
    const other = spawn("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "sleep", "300"], { stdio: "ignore" });
    try {
      const { startTimeOfPid } = await import("../lib/system/probe");
      await expect.poll(() => startTimeOfPid(other.pid!)).not.toBeNull();
      const registry = await Registry.open(dbPath);
      const ayon = await registry.store({
        name: "ayon-maya",
        executable: "setpriv",
        pid: other.pid!,
        startTime: startTimeOfPid(other.pid!),
      });
      await registry.close();
      await expect.poll(async () => JSON.parse((await cli(["show", ayon.hash, "--json", "--db", dbPath])).stdout).user).toBe("nobody");
      other.kill("SIGKILL");
      await expect.poll(async () => JSON.parse((await cli(["show", ayon.hash, "--json", "--db", dbPath])).stdout).user).toBeNull();
    } finally {
      other.kill("SIGKILL");
    }
  });

  it("--wait shows the program's output as it comes, the hash on stderr; --quiet keeps to the hash", async () => {
    const dbPath = tempDbPath();
    const shown = await cli(["launch", "--wait", "--db", dbPath, "--name", "hi", "--", "/bin/echo", "hi"]);
    expect(shown).toMatchObject({ code: 0, stdout: "hi\n" });
    expect(shown.stderr).toMatch(/^process-monitor: hi recorded as [0-9a-f]{64}\n$/);
    // Output that comes over time, split UTF-8 included, arrives whole and in order.
    const slow = await cli([
      "launch",
      "--wait",
      "--db",
      dbPath,
      "--name",
      "slow",
      "--",
      "/bin/sh",
      "-c",
      "printf 'é1\\n'; sleep 0.4; printf 'é2\\n'",
    ]);
    expect(slow.stdout).toBe("é1\né2\n");
    const quiet = await cli(["launch", "--wait", "--quiet", "--db", dbPath, "--name", "q", "--", "/bin/echo", "hi"]);
    expect(quiet.stdout).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it("launches in the directory the user typed it in, also under npm run cli (INIT_CWD)", async () => {
    const dbPath = tempDbPath();
    const sub = fs.mkdtempSync(path.join(path.dirname(dbPath), "typed-here-"));
    // npm runs the script from the package's folder; INIT_CWD says where the user was.
    const npm = await run(
      "npm",
      [
        "--prefix",
        path.resolve("."),
        "run",
        "--silent",
        "cli",
        "--",
        "launch",
        "--wait",
        "--db",
        dbPath,
        "--name",
        "pwd",
        "--",
        "/bin/pwd",
      ],
      {
        cwd: sub,
        env: { ...process.env, npm_lifecycle_event: "" },
      },
    );
    expect(npm.stdout).toBe(`${fs.realpathSync(sub)}\n`);
    // Run directly, its own working directory (an INIT_CWD inherited from another npm script is not the user's).
    const direct = await run(process.execPath, [bin, "launch", "--wait", "--db", dbPath, "--name", "pwd", "--", "/bin/pwd"], {
      cwd: sub,
      env: { ...process.env, INIT_CWD: "/", npm_lifecycle_event: "test" },
    });
    expect(direct.stdout).toBe(`${fs.realpathSync(sub)}\n`);
  });

  it("--wait records the exit and exits with the child's code", async () => {
    const dbPath = tempDbPath();
    const result = await cli(["launch", "--wait", "--db", dbPath, "--name", "fails", "--", "sh", "-c", "echo partial; exit 4"]);
    expect(result.code).toBe(4);
    const [record] = JSON.parse((await cli(["list", "--json", "--db", dbPath])).stdout);
    expect(record).toMatchObject({ exitCode: 4, running: false });
    expect(record.endedAt).toMatch(/Z$/);
    expect(fs.readFileSync(record.outputFile, "utf8")).toBe("partial\n");
  });

  it("list --failed shows the records that exited non-zero or were killed from outside, not a stop of ours", async () => {
    const dbPath = tempDbPath();
    const launch = async (name: string, ...command: string[]) =>
      (await cli(["launch", "--db", dbPath, "--name", name, "--", ...command])).stdout.trim();
    const ok = await launch("ok", "/bin/sh", "-c", "exit 0");
    const three = await launch("three", "/bin/sh", "-c", "exit 3");
    const stoppedByUs = await launch("stopped-by-us", "/bin/sleep", "300");
    const killedOutside = await launch("killed-outside", "/bin/sleep", "300");
    const running = await launch("still-running", "/bin/sleep", "300");
    expect((await cli(["stop", stoppedByUs, "--db", dbPath])).code).toBe(0);
    const victim = JSON.parse((await cli(["show", killedOutside, "--json", "--db", dbPath])).stdout) as { pid: number };
    process.kill(victim.pid, "SIGKILL");
    const ended = async () => JSON.parse((await cli(["list", "--stopped", "--json", "--db", dbPath])).stdout).length;
    await expect.poll(ended, { timeout: 15_000 }).toBe(4);

    const failed = JSON.parse((await cli(["list", "--failed", "--json", "--db", dbPath])).stdout) as Array<{ hash: string; name: string }>;
    expect(failed.map((r) => r.name).sort()).toEqual(["killed-outside", "three"]);
    expect(failed.map((r) => r.hash)).not.toContain(ok);
    expect(failed.map((r) => r.hash)).toContain(three);
    const both = await cli(["list", "--failed", "--running", "--db", dbPath]);
    expect(both.code).toBe(2);
    await cli(["stop", "--force", running, "--db", dbPath]);
  });

  it("refuses unusable launches with a clear message, exit code and no record", async () => {
    const dbPath = tempDbPath();
    const missing = await cli(["launch", "--db", dbPath, "--name", "m", "--", "/opt/none/maya"]);
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toBe("process-monitor: Executable /opt/none/maya does not exist.\n");
    const cwd = await cli(["launch", "--db", dbPath, "--name", "m", "--cwd", "/no/such/dir", "--", "/bin/true"]);
    expect(cwd.stderr).toMatch(/Working directory \/no\/such\/dir does not exist/);
    const env = await cli(["launch", "--db", dbPath, "--name", "m", "--env", "NOEQUALS", "--", "/bin/true"]);
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/Bad --env/);
    const noName = await cli(["launch", "--db", dbPath, "--", "/bin/true"]);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/--name/);
    const grace = await cli(["stop", "abcdef", "--grace", "-1", "--db", dbPath]);
    expect(grace.code).toBe(2);
    expect(JSON.parse((await cli(["list", "--json", "--db", dbPath])).stdout)).toEqual([]);
  });
});

describe("CLI: agent", () => {
  it("says what is missing when the hub or its fleet key is not given, and reports nothing", async () => {
    const dbPath = tempDbPath();
    const clean = { PROCESS_MONITOR_HUB_URL: "", PROCESS_MONITOR_HUB_KEY: "" };
    const noHub = await cli(["agent", "--once", "--db", dbPath], clean);
    expect(noHub.code).not.toBe(0);
    expect(noHub.stderr).toMatch(/Set PROCESS_MONITOR_HUB_URL \(or --hub URL\)/);
    // The hub given by --hub, as by the variable: the same agent as the server's, the same rule for its key.
    const noKey = await cli(["agent", "--once", "--hub", "http://127.0.0.1:9", "--db", dbPath], clean);
    expect(noKey.code).not.toBe(0);
    expect(noKey.stderr).toMatch(/PROCESS_MONITOR_HUB_KEY is not set: set it to the fleet key the hub printed at start/);
    expect(noKey.stdout).toBe("");
  });
});
