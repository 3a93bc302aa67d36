// Every launch's end is recorded by its keeper, whoever launched it and whether or not the
// launcher (CLI, server) still runs: exit code, signal, end time, and whether the stop was ours.
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, stopProcess } from "../lib/launcher";
import { Registry } from "../lib/registry";
import { toProcessJson } from "../lib/registry/json";
import { readProcStat } from "../lib/system/proc-linux";
import { startTimeOfPid } from "../lib/system/probe";
import { waitFor } from "./support/children";
import { startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

const run = promisify(execFile);
const bin = path.resolve("bin/process-monitor.js");

let dir: string;
let dbPath: string;
let registry: Registry;

beforeAll(async () => {
  dir = tempDir("pm-exits-");
  dbPath = path.join(dir, "registry.db");
  registry = await Registry.open(dbPath);
});
afterAll(async () => {
  await registry?.close();
});

async function ended(hash: string) {
  return waitFor(async () => {
    const record = (await registry.list()).find((r) => r.hash === hash);
    return record && record.status === "stopped" && record.endedAt !== null ? record : null;
  });
}

async function cliJson(args: string[]) {
  const { stdout } = await run(process.execPath, [bin, ...args, "--db", dbPath]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe("the keeper", () => {
  it("gives the program its own pid, process group and default signal dispositions", async () => {
    const { record, child } = await launch(registry, { name: "signals", executable: "/bin/sleep", args: ["30"] });
    child.unref();
    const pid = record.pid!;
    expect(record.keeperPid).not.toBeNull();
    expect(record.keeperPid).not.toBe(pid);
    await waitFor(() => fs.readlinkSync(`/proc/${pid}/exe`) === fs.realpathSync("/bin/sleep"));
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    expect(/SigIgn:\s*(\w+)/.exec(status)?.[1]).toMatch(/^0+$/);
    expect(readProcStat(pid)?.pgid).toBe(pid);
    expect(startTimeOfPid(pid)).toBeCloseTo(record.startTime!, 1);
    // The keeper is the program's parent, outside its group: stop never signals it.
    expect(readProcStat(pid)?.ppid).toBe(record.keeperPid);
    const stopped = await stopProcess(registry, record.hash, { graceMs: 2_000 });
    expect(stopped.signal).toBe("SIGTERM");
    const end = await ended(record.hash);
    expect(end).toMatchObject({ exitSignal: "SIGTERM", stopSignal: "SIGTERM", exitCode: null });
    expect(toProcessJson(end)).toMatchObject({ stoppedBy: "user", stopSignal: "SIGTERM", exitObserved: true });
  });

  it("records exit 0, exit 3, an outside SIGKILL and a wrapper's exit after exec, with the launcher gone", async () => {
    const cases: Array<{ name: string; argv: string[]; expected: { exitCode: number | null; exitSignal: string | null } }> = [
      { name: "ok", argv: ["/bin/sh", "-c", "sleep 0.3; exit 0"], expected: { exitCode: 0, exitSignal: null } },
      { name: "fail3", argv: ["/bin/bash", "-c", "sleep 0.3; exit 3"], expected: { exitCode: 3, exitSignal: null } },
      { name: "wrapper", argv: ["/bin/sh", "-c", "exec /bin/sh -c 'sleep 0.3; exit 5'"], expected: { exitCode: 5, exitSignal: null } },
      { name: "victim", argv: ["/bin/sleep", "30"], expected: { exitCode: null, exitSignal: "SIGKILL" } },
    ];
    const hashes: string[] = [];
    for (const c of cases) {
      // `launch --wait --quiet` holds the CLI until the end; it is SIGKILLed as soon as it printed the hash.
      const cli = spawn(process.execPath, [bin, "launch", "--wait", "--quiet", "--name", c.name, "--db", dbPath, "--", ...c.argv], {
        stdio: ["ignore", "pipe", "ignore"],
      });
      const hash = await new Promise<string>((resolve) => cli.stdout!.once("data", (d) => resolve(String(d).trim())));
      cli.kill("SIGKILL");
      hashes.push(hash);
    }
    const victim = (await registry.get(hashes[3]!))!;
    await waitFor(() => fs.readlinkSync(`/proc/${victim.pid}/exe`) === fs.realpathSync("/bin/sleep"));
    process.kill(victim.pid!, "SIGKILL");

    for (const [i, c] of cases.entries()) {
      const end = await ended(hashes[i]!);
      expect(end, c.name).toMatchObject({ ...c.expected, stopSignal: null });
      expect(end.endedAt! - end.startTime!, c.name).toBeGreaterThan(0);
      // The CLI reads the same.
      expect(await cliJson(["show", hashes[i]!, "--json"]), c.name).toMatchObject({ running: false, ...c.expected, exitObserved: true });
    }
    const table = (await run(process.execPath, [bin, "list", "--db", dbPath])).stdout;
    expect(table).toMatch(/exited 3\s+\d+\s+fail3/);
    // The dashboard's words (one status vocabulary): "killed by SIGKILL".
    expect(table).toMatch(/killed by SIGKILL\s+\d+\s+victim/);
    // Nothing is left waiting.
    expect(fs.readdirSync(path.join(dir, "process_output", ".exits"))).toEqual([]);
  });

  it("leaves the end in a sidecar while the registry is locked; the next listing folds it in", async () => {
    const { record, child } = await launch(registry, { name: "locked", executable: "/bin/sh", args: ["-c", "sleep 0.5; exit 7"] });
    child.unref();
    const holder = new Database(dbPath);
    holder.exec("BEGIN IMMEDIATE");
    const exits = path.join(dir, "process_output", ".exits");
    try {
      await waitFor(() => fs.readdirSync(exits).some((f) => f.startsWith(path.basename(record.outputFile!))), { timeoutMs: 10_000 });
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    const end = await ended(record.hash);
    expect(end).toMatchObject({ exitCode: 7, exitSignal: null });
  });

  it("says why an exit is unknown: a killed keeper, or a record of another launcher", async () => {
    const { record, child } = await launch(registry, { name: "orphaned", executable: "/bin/sleep", args: ["30"] });
    child.unref();
    process.kill(record.keeperPid!, "SIGKILL");
    process.kill(record.pid!, "SIGKILL");
    // Nobody observed the end; the listing marks it stopped when it finds the process gone.
    const end = await waitFor(async () => (await registry.list()).find((r) => r.hash === record.hash && r.status === "stopped"));
    expect(end).toMatchObject({ exitCode: null, exitSignal: null });
    const ayon = await registry.store({ name: "ayon-maya", executable: "/bin/false", pid: 4_700_001, startTime: 1_732_406_400 });
    const { unknownExitReason } = await import("../lib/processes/status");
    const { toView } = await import("../lib/processes/view");
    const listed = await registry.list();
    const mine = toView(
      listed.find((r) => r.hash === record.hash)!,
      null,
      false,
    );
    const theirs = toView(
      listed.find((r) => r.hash === ayon.hash)!,
      null,
      false,
    );
    expect(unknownExitReason(mine)).toMatch(/keeper .* was killed/);
    expect(unknownExitReason(theirs)).toMatch(/another program \(such as the AYON launcher\) started this process/);
  });
});

describe("launches through the server", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("records the end after the server that launched it was SIGKILLed, and shows it on restart", async () => {
    const launchOne = async (name: string, args: string[]) => {
      const response = await server.api("/api/processes", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name, executable: "/bin/sh", args }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { hash: string }).hash;
    };
    const fail = await launchOne("api-fail", ["-c", "sleep 1; exit 3"]);
    const stopMe = await launchOne("api-stop", ["-c", "sleep 60"]);
    const stop = await server.api(`/api/processes/${stopMe}/stop`, { method: "POST" });
    expect(stop.status).toBe(200);
    const port = server.port;
    const token = server.token;
    await server.stop("SIGKILL");
    await ended(fail);
    server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir }, port, token);

    const failed = (await (await server.api(`/api/processes/${fail}`)).json()) as Record<string, unknown>;
    expect(failed).toMatchObject({ running: false, exitCode: 3, exitObserved: true, stoppedBy: null });
    const stopped = (await (await server.api(`/api/processes/${stopMe}`)).json()) as Record<string, unknown>;
    expect(stopped).toMatchObject({ running: false, stoppedBy: "user", stopSignal: "SIGTERM" });
    const page = await (await server.api("/")).text();
    expect(page).toContain("exited 3");
    expect(page).toContain("stopped by user (SIGTERM)");
    const detail = await (await server.api(`/processes/${fail}`)).text();
    expect(detail).toContain("exited 3");
  });
});
