import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relaunch } from "../lib/launcher";
import { Registry } from "../lib/registry";
import { VIEWER_TOKEN, stopAllIn } from "./support/fleet";
import { logIn, startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

// Hostile environments on a workstation (issue 21, points 4 to 6, 10 and 12): a registry held
// by another program, a full disk, the dashboard's own secrets and settings, two records
// naming one output file. A real server, real launches, a real lock holder, a real tmpfs.

const cli = path.resolve(import.meta.dirname, "..", "bin", "process-monitor.js");

function runCli(db: string, [command, ...args]: string[], env: NodeJS.ProcessEnv = process.env) {
  // --db right after the command: after `--` it would be the program's.
  const result = spawnSync(process.execPath, [cli, command!, "--db", db, ...args], { env, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Another program holding the registry: python's sqlite3 with the write lock (BEGIN
 * IMMEDIATE), or every lock (an exclusive locking mode, which shuts readers out too).
 */
/** Another program holding the registry's lock for `seconds`, or until `release()` (its stdin closed). */
async function holdLock(
  db: string,
  seconds: number,
  exclusive = false,
): Promise<{ child: ChildProcess; released: Promise<void>; release: () => void }> {
  const script = [
    "import select, sqlite3, sys",
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)",
    exclusive ? "c.execute('PRAGMA locking_mode=EXCLUSIVE')" : "",
    exclusive ? "c.execute('BEGIN EXCLUSIVE'); c.execute('UPDATE process_info SET name = name WHERE 0')" : "c.execute('BEGIN IMMEDIATE')",
    "print('locked', flush=True)",
    "select.select([sys.stdin], [], [], float(sys.argv[2]))",
    "c.execute('ROLLBACK')",
    "c.close()",
  ].join("\n");
  const child = spawn("/usr/bin/python3", ["-c", script, db, String(seconds)], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`the lock holder exited (${code}): ${stderr.trim().split("\n").pop()}`)));
  });
  return { child, released: new Promise((resolve) => child.once("exit", () => resolve())), release: () => child.stdin!.end() };
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number; at: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started, at: performance.now() };
}

function outputFiles(dir: string): string[] {
  try {
    return fs.readdirSync(path.join(dir, "process_output")).filter((f) => !f.startsWith("."));
  } catch {
    return [];
  }
}

/** What keepers left in the output folder's .exits (none once every end is recorded). */
function sidecars(dir: string): string[] {
  try {
    return fs.readdirSync(path.join(dir, "process_output", ".exits"));
  } catch {
    return [];
  }
}

describe("a registry held by another program", () => {
  let dir: string;
  let db: string;
  let server: RunningServer;
  let cookie: string;
  const launchBody = (name: string, marker: string) =>
    JSON.stringify({ name, executable: "/bin/sh", args: ["-c", `echo ran >> ${marker}; exec sleep 30`] });

  beforeAll(async () => {
    dir = tempDir("pm-locked-");
    db = path.join(dir, "registry.db");
    expect(runCli(db, ["list"]).status).toBe(0); // creates the file, as a first use would
    server = await startServer({ PROCESS_MONITOR_DB: db, HOME: dir });
    cookie = `pm_session_${server.port}=${await logIn(server)}`;
  });

  afterAll(async () => {
    stopAllIn(db);
    await server?.stop();
  });

  it("a launch that cannot be recorded never runs and leaves nothing, while the server keeps answering", async () => {
    const marker = path.join(dir, "never-ran");
    // As the AYON launcher holds it while it writes: another writer's transaction.
    const lock = await holdLock(db, 18);
    const launching = timed(() =>
      server.api("/api/processes", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: launchBody("blocked", marker),
      }),
    );
    await new Promise((r) => setTimeout(r, 3_000));
    // Meanwhile other requests are served: the wait for the lock is not a busy loop in the server.
    const healthy = await timed(() => server.api("/api/health"));
    const page = await timed(async () => (await fetch(`${server.url}/`, { headers: { cookie } })).text());
    const launched = await launching;
    expect(healthy.at).toBeLessThan(launched.at);
    expect(healthy.ms).toBeLessThan(5_000);
    // Reading goes on while another program writes; what a listing would write waits for later.
    expect(page.value).toContain("Processes");
    expect(page.value).not.toMatch(/Minified React error|could not be read/);
    expect(page.at).toBeLessThan(launched.at);
    expect(launched.value.status).toBe(503);
    const body = (await launched.value.json()) as { error: string; code: string };
    expect(body.code).toBe("BUSY");
    expect(body.error).toMatch(/another program .* holds it locked/);
    await lock.released;
    await new Promise((r) => setTimeout(r, 500));
    expect(fs.existsSync(marker)).toBe(false);
    expect(outputFiles(dir)).toEqual([]);
    expect(sidecars(dir)).toEqual([]);
    expect(JSON.parse(runCli(db, ["list", "--json"]).stdout)).toEqual([]);
  });

  it("a page that must wait for the lock says 'Registry busy' and tries again, then shows the end it waited for", async () => {
    const launched = JSON.parse(runCli(db, ["launch", "--name", "short", "--json", "--", "/bin/sh", "-c", "sleep 1; exit 4"]).stdout) as {
      hash: string;
    };
    const lock = await holdLock(db, 7);
    // It ends while the registry is held: its end waits in a sidecar, which a listing folds in first.
    await expect.poll(() => sidecars(dir).filter((f) => f.endsWith(".exit")).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const cookie = `pm_session_${server.port}=${await logIn(server)}`;
    const page = await timed(async () => (await fetch(`${server.url}/`, { headers: { cookie } })).text());
    expect(page.value).toContain("Registry busy");
    expect(page.value).toMatch(/holds it locked/);
    // Said while the lock is still held, not after it.
    expect(lock.child.exitCode).toBeNull();
    await lock.released;
    await expect
      .poll(async () => ((await (await server.api(`/api/processes/${launched.hash}`)).json()) as { exitCode: number | null }).exitCode)
      .toBe(4);
  });

  it("a launch that waits for a lock held briefly runs once, after it is recorded", async () => {
    const marker = path.join(dir, "ran");
    const lock = await holdLock(db, 2.5);
    const response = await server.api("/api/processes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: launchBody("waited", marker),
    });
    expect(response.status).toBe(201);
    const record = (await response.json()) as { hash: string; running: boolean };
    expect(record.running).toBe(true);
    await lock.released;
    await expect.poll(() => fs.existsSync(marker) && fs.readFileSync(marker, "utf8")).toBe("ran\n");
    expect(runCli(db, ["show", record.hash, "--json"]).status).toBe(0);
  });
});

describe("a registry held in an exclusive locking mode (issue 41, point 11)", () => {
  // SQLite's WAL read retries sleep in the reading thread for up to 10 s: a server whose reads
  // went that way would freeze every page. A writer that shuts readers out must make pages say
  // "Registry busy" at once, and one that comes while the server reads must not get in at all.
  let dir: string;
  let db: string;
  let server: RunningServer | undefined;

  beforeAll(() => {
    dir = tempDir("pm-exclusive-");
    db = path.join(dir, "registry.db");
    expect(runCli(db, ["launch", "--name", "before", "--", "/bin/true"]).status).toBe(0);
  });

  afterAll(async () => {
    stopAllIn(db);
    await server?.stop();
  });

  it("held before the server reads: pages and the API say busy within seconds, health answers, and all is there after", async () => {
    // Held until everything below answered (a loaded machine took over 9 s to start the server and ask).
    const lock = await holdLock(db, 120, true);
    server = await startServer({ PROCESS_MONITOR_DB: db, HOME: dir });
    const cookie = `pm_session_${server.port}=${await logIn(server)}`;
    const pageP = timed(async () => (await fetch(`${server!.url}/`, { headers: { cookie } })).text());
    await new Promise((r) => setTimeout(r, 1000));
    const health = await timed(() => server!.api("/api/health"));
    const page = await pageP;
    const list = await timed(() => server!.api("/api/processes"));
    expect(lock.child.exitCode).toBeNull(); // all of it answered while the lock was held
    expect(page.ms).toBeLessThan(5_000);
    expect(page.value).toContain("Registry busy");
    expect(health.ms).toBeLessThan(5_000);
    expect(list.ms).toBeLessThan(5_000);
    expect(list.value.status).toBe(503);
    expect(((await list.value.json()) as { code: string }).code).toBe("BUSY");
    const cli = await timed(async () => runCli(db, ["list"]));
    expect(cli.ms).toBeLessThan(5_000);
    expect(cli.value.status).not.toBe(0);
    expect(cli.value.stderr).toMatch(/stayed locked by another program; try again/);
    expect(lock.child.exitCode).toBeNull();
    lock.release();
    await lock.released;
    const after = (await (await server.api("/api/processes")).json()) as { processes: { name: string }[] };
    expect(after.processes.map((p) => p.name)).toEqual(["before"]);
  });

  it("asked for while the server reads: the writer is refused, and the server's reads never wait", async () => {
    const started = Date.now();
    const writer = holdLock(db, 1, true).then(
      () => "took the file",
      (error: Error) => error.message,
    );
    let slowest = 0;
    while (Date.now() - started < 6_000) {
      const list = await timed(() => server!.api("/api/processes"));
      expect(list.value.status).toBe(200);
      slowest = Math.max(slowest, list.ms);
      await new Promise((r) => setTimeout(r, 200));
    }
    // python's sqlite3 waits 5 s for the lock, then gives up: the server's open connection
    // keeps its shared lock, so the exclusive one is never granted.
    expect(await writer).toMatch(/exited \(1\): sqlite3.OperationalError: database is locked/);
    expect(slowest).toBeLessThan(2_000);
  });
});

describe("what a launched program inherits", () => {
  let dir: string;
  let db: string;
  let server: RunningServer;
  const ours = {
    PROCESS_MONITOR_VIEWER_TOKEN: VIEWER_TOKEN,
    PROCESS_MONITOR_FLEET_KEY: "fleet-key-secret-0123456789",
    PROCESS_MONITOR_HUB_KEY: "hub-key-secret-0123456789",
    PROCESS_MONITOR_HUB_URL: "https://hub.invalid:1",
    NEXT_DEPLOYMENT_ID: "abc",
    TURBOPACK: "1",
    INIT_CWD: "/somewhere",
    NODE: process.execPath,
    COLOR: "1",
    npm_lifecycle_event: "start",
    npm_config_user_agent: "npm/11",
    _: "/usr/bin/npm",
  };
  const userPath = "/usr/local/bin:/usr/bin:/bin";
  // What `npm start` makes of it: every node_modules/.bin up the tree and npm's shim first.
  const npmPath = `/opt/checkout/node_modules/.bin:/opt/node_modules/.bin:/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin:${userPath}`;
  const leaked = (env: string) =>
    env
      .split("\n")
      .map((line) => line.split("=")[0]!)
      .filter((name) => /^(PROCESS_MONITOR_|PORT$|HOST$|NODE_ENV$|NEXT_|__NEXT|TURBOPACK|INIT_CWD$|NODE$|COLOR$|npm_|_$)/.test(name));

  beforeAll(async () => {
    dir = tempDir("pm-env-");
    db = path.join(dir, "registry.db");
    server = await startServer({ PROCESS_MONITOR_DB: db, HOME: dir, ...ours, PATH: npmPath, PROCESS_MONITOR_HUB_URL: "" });
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function outputOf(hash: string): Promise<string> {
    let text = "";
    await expect
      .poll(async () => {
        const record = JSON.parse(runCli(db, ["show", hash, "--json"]).stdout) as { outputFile: string; running: boolean };
        text = fs.readFileSync(record.outputFile, "utf8");
        return !record.running && text.length > 0;
      })
      .toBe(true);
    return text;
  }

  it("from the API: the user's environment, without the dashboard's settings, secrets, port or npm's additions", async () => {
    const response = await server.api("/api/processes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "env", executable: "/usr/bin/env", env: { ASKED: "yes", PORT: "8080" } }),
    });
    expect(response.status).toBe(201);
    const record = (await response.json()) as { hash: string; env: Record<string, string> };
    const env = await outputOf(record.hash);
    // What the user asked for is passed on, even a name of ours.
    expect(leaked(env)).toEqual(["PORT"]);
    expect(env).toContain("PORT=8080");
    expect(env).toContain("ASKED=yes");
    expect(env).toContain("HOME=");
    expect(env).toMatch(new RegExp(`^PATH=${userPath}$`, "m"));
    expect(Object.keys(record.env).filter((k) => k.startsWith("PROCESS_MONITOR_"))).toEqual([]);
  });

  it("from the CLI run through npm: the same", async () => {
    const result = runCli(db, ["launch", "--name", "env-cli", "--", "/usr/bin/env"], { ...process.env, ...ours, PATH: npmPath });
    expect(result.status, result.stderr).toBe(0);
    expect(leaked(await outputOf(result.stdout.trim()))).toEqual([]);
  });

  it("on a relaunch of a record that an older version stored with them", async () => {
    const registry = await Registry.open(db, { driver: "direct" });
    try {
      const old = await registry.store({
        name: "old",
        executable: "/usr/bin/env",
        env: { PATH: process.env.PATH!, HOME: dir, PROCESS_MONITOR_HUB_KEY: "leaked", PORT: "3000", KEPT: "1" },
        pid: 4_900_001,
        startTime: 1_700_000_000,
        stopped: true,
      });
      const again = await relaunch(registry, old.hash);
      await again.exited;
      const env = fs.readFileSync(again.record.outputFile!, "utf8");
      expect(leaked(env)).toEqual([]);
      expect(env).toContain("KEPT=1");
    } finally {
      await registry.close();
    }
  });

  it("the launch form says which variables the program inherits, and which of the server's stay behind", async () => {
    const cookie = `pm_session_${server.port}=${await logIn(server)}`;
    // Without React's text separators (<!-- -->).
    const html = (await (await fetch(`${server.url}/launch`, { headers: { cookie } })).text()).replaceAll("<!-- -->", "");
    const [inherited, leftOut] = html.split("Left out");
    expect(inherited).toMatch(/Inherits \d+ variables/);
    expect(inherited).toContain("HOME");
    expect(inherited).not.toContain("PROCESS_MONITOR_FLEET_KEY");
    expect(leftOut).toContain("PROCESS_MONITOR_FLEET_KEY");
    expect(leftOut).toContain("npm_lifecycle_event");
    // Names only: no value of the server's environment is in the page.
    expect(html).not.toContain("fleet-key-secret");
  });
});

describe("delete and prune with two records naming one output file", () => {
  it("never remove a file that a remaining record still names", async () => {
    const dir = tempDir("pm-shared-output-");
    const db = path.join(dir, "registry.db");
    const launched = runCli(db, ["launch", "--name", "running", "--json", "--", "/bin/sh", "-c", "echo still writing; exec sleep 30"]);
    expect(launched.status, launched.stderr).toBe(0);
    const running = JSON.parse(launched.stdout) as { hash: string; outputFile: string };
    try {
      const registry = await Registry.open(db, { driver: "direct" });
      const other = { executable: "/bin/true", outputFile: running.outputFile, stopped: true, startTime: 1_700_000_000 };
      const a = await registry.store({ name: "stopped-a", pid: 4_900_101, ...other });
      await registry.store({ name: "stopped-b", pid: 4_900_102, ...other });
      await registry.close();

      const deleted = runCli(db, ["delete", a.hash]);
      expect(deleted.stdout).toMatch(/another record still names it/);
      const pruned = runCli(db, ["prune"]);
      expect(pruned.stdout).toMatch(/Deleted 1 inactive record/);
      expect(fs.readFileSync(running.outputFile, "utf8")).toContain("still writing");
      // Once no record names it, it goes with the last one.
      runCli(db, ["stop", "--force", running.hash]);
      expect(runCli(db, ["delete", running.hash]).status).toBe(0);
      expect(fs.existsSync(running.outputFile)).toBe(false);
    } finally {
      runCli(db, ["stop", "--force", running.hash]);
    }
  });
});

const canMount = process.getuid?.() === 0 && process.platform === "linux";

describe.skipIf(!canMount)("a full disk (a 2 MB tmpfs, as root)", () => {
  let dir: string;
  let disk: string;
  let db: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-full-"));
    disk = path.join(dir, "disk");
    fs.mkdirSync(disk);
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", disk], { encoding: "utf8" });
    if (mounted.status !== 0) throw new Error(`mount failed: ${mounted.stderr}`);
    db = path.join(disk, "registry.db");
    expect(runCli(db, ["list"]).status).toBe(0);
    // A server that first opens the registry once the disk is full (its usage sampler, which would
    // open it at start and keep its WAL index, is off: PROCESS_MONITOR_SAMPLE_SECONDS=0).
    server = await startServer({ PROCESS_MONITOR_DB: db, HOME: dir, PROCESS_MONITOR_SAMPLE_SECONDS: "0" });
  });

  afterAll(async () => {
    await server?.stop();
    spawnSync("umount", ["-l", disk]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the end of a program that filled the disk, and pages and the API say 'disk full', never a React error", async () => {
    const launched = runCli(db, [
      "launch",
      "--name",
      "filler",
      "--json",
      "--",
      "/bin/sh",
      "-c",
      "head -c 4000000 /dev/zero; sleep 0.3; exit 3",
    ]);
    expect(launched.status, launched.stderr).toBe(0);
    const record = JSON.parse(launched.stdout) as { hash: string; outputFile: string };
    // The program ended on a full disk: its end survives in the sidecar taken at launch.
    const writing = () =>
      fs.readdirSync("/proc").some((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("head\0-c\x004000000");
        } catch {
          return false;
        }
      });
    await expect.poll(writing, { timeout: 20_000 }).toBe(false);
    await new Promise((r) => setTimeout(r, 1_500));
    // What the keeper's own fold may have given back meanwhile (a WAL removed when its last
    // connection closed, on a loaded machine) is taken again: the disk is full from here on.
    const topUp = path.join(disk, "top-up");
    for (let tries = 0, free = fs.statfsSync(disk).bavail; free > 0 && tries < 5; tries++, free = fs.statfsSync(disk).bavail) {
      try {
        fs.appendFileSync(topUp, Buffer.alloc(free * fs.statfsSync(disk).bsize));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      }
    }
    expect(fs.statfsSync(disk).bavail).toBe(0);

    const list = await server.api("/api/processes");
    const text = await list.text();
    // Even the WAL index beside the registry cannot grow: nothing can be read, and it says why.
    expect(list.status, `${text}\n${server.logs().slice(-3000)}`).toBe(507);
    expect(JSON.parse(text)).toMatchObject({ code: "DISK_FULL", error: expect.stringMatching(/disk holding the registry is full/) });
    expect(text).not.toMatch(/SQLITE_FULL|Unexpected error|prisma/i);
    const launch = await server.api("/api/processes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "no-room", executable: "/bin/sh", args: ["-c", `touch ${path.join(dir, "no-room-ran")}`] }),
    });
    expect(launch.status).toBe(507);
    expect(((await launch.json()) as { code: string }).code).toBe("DISK_FULL");
    const cookie = `pm_session_${server.port}=${await logIn(server)}`;
    for (const route of ["/", `/processes/${record.hash}`]) {
      const page = await fetch(`${server.url}${route}`, { headers: { cookie } });
      const html = await page.text();
      expect(page.status, route).toBe(200);
      expect(html).toContain("Disk full");
      expect(html).not.toMatch(/Minified React error|could not be read/);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(fs.existsSync(path.join(dir, "no-room-ran"))).toBe(false);
    // The CLI says the same (before: "disk I/O error", SQLite's words for a WAL that cannot grow).
    for (const args of [["list"], ["launch", "--name", "no-room", "--", "/bin/true"], ["show", record.hash]]) {
      const cli = runCli(db, args);
      expect(cli.status, args.join(" ")).toBe(1);
      expect(cli.stderr, args.join(" ")).toMatch(/^process-monitor: The disk holding the registry is full/);
    }

    // Space again: the next listing records the end that was kept.
    fs.truncateSync(record.outputFile, 0);
    await expect
      .poll(async () => ((await (await server.api(`/api/processes/${record.hash}`)).json()) as { exitCode: number | null }).exitCode, {
        timeout: 20_000,
      })
      .toBe(3);
    expect(sidecars(disk)).toEqual([]);
  });
});

describe("health, errors and odd requests on a workstation", () => {
  let server: RunningServer;

  beforeAll(async () => {
    const dir = tempDir("pm-health-");
    server = await startServer({
      PROCESS_MONITOR_DB: path.join(dir, "registry.db"),
      HOME: dir,
      PROCESS_MONITOR_VIEWER_TOKEN: VIEWER_TOKEN,
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("resets its figures only on an operator's POST, and answers a stray % in a path with 400", async () => {
    const since = async () => ((await (await server.api("/api/health")).json()) as { eventLoop: { sinceMs: number } }).eventLoop.sinceMs;
    await since(); // the figures start with the first look
    await new Promise((r) => setTimeout(r, 300));
    await server.api("/api/health?reset=1");
    expect(await since()).toBeGreaterThanOrEqual(300);
    const viewer = await fetch(`${server.url}/api/health?reset=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${VIEWER_TOKEN}` },
    });
    expect(viewer.status).toBe(403);
    expect(await since()).toBeGreaterThanOrEqual(300);
    expect((await server.api("/api/health?reset=1", { method: "POST" })).status).toBe(200);
    expect(await since()).toBeLessThan(300);
    for (const route of ["/processes/%zz", "/api/processes/%E0%A4%A"]) {
      const response = await server.api(route);
      expect(response.status, route).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe("BAD_PATH");
    }
  });
});
