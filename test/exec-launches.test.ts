// Launches as users make them: wrappers that `exec`, shims, `bash -c`, `env`, `exec -a`,
// symlinks. Each is the same process (pid + creation time) after it exec'd, so it must be
// running, stoppable with its tree, and kept by "delete inactive" (SPEC "is running").
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LaunchError, launch, stopProcess } from "../lib/launcher";
import { Registry } from "../lib/registry";
import type { ListedProcess } from "../lib/registry/types";
import { readProcExe, readProcStat } from "../lib/system/proc-linux";
import { ProcessSnapshot } from "../lib/system/snapshot";
import { descendantsOf, flattenDescendants, identifyProcess } from "../lib/system/probe";
import { ayon } from "./support/python";
import { waitFor } from "./support/children";
import { startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

const run = promisify(execFile);
const bin = path.resolve("bin/process-monitor.js");
const sleepPath = fs.realpathSync("/bin/sleep");

let dir: string;
let dbPath: string;
let registry: Registry;
const launchedPids: number[] = [];

beforeAll(async () => {
  dir = tempDir("pm-exec-");
  dbPath = path.join(dir, "registry.db");
  registry = await Registry.open(dbPath);
});

afterEach(() => {
  for (const pid of launchedPids.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

afterAll(async () => {
  await registry?.close();
});

function script(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

interface Shape {
  label: string;
  executable: () => string;
  args: string[];
  /** What the process runs once its exec is done. */
  finalExe: string;
}

const shapes: Shape[] = [
  {
    label: "a #!/bin/sh wrapper ending in exec (Maya's maya -> maya.bin)",
    executable: () => script("maya", 'export MAYA_LOCATION=/opt/maya\nexec /bin/sleep "$@"'),
    args: ["300"],
    finalExe: sleepPath,
  },
  {
    label: "a shim chain of two execs (pyenv / rez)",
    executable: () => {
      const inner = script("inner-shim", 'exec /bin/sleep "$@"');
      return script("outer-shim", `exec ${inner} "$@"`);
    },
    args: ["300"],
    finalExe: sleepPath,
  },
  {
    label: "bash -c 'a; b' (bash execs its last command)",
    executable: () => "/bin/bash",
    args: ["-c", "cd /tmp; /bin/sleep 300"],
    finalExe: sleepPath,
  },
  {
    label: "env X=1 prog",
    executable: () => "/usr/bin/env",
    args: ["RENDER_PASS=beauty", "/bin/sleep", "300"],
    finalExe: sleepPath,
  },
  {
    label: "exec -a othername prog",
    executable: () => "/bin/bash",
    args: ["-c", "exec -a houdini-render /bin/sleep 300"],
    finalExe: sleepPath,
  },
];

async function listed(hash: string): Promise<ListedProcess> {
  const record = (await registry.list()).find((r) => r.hash === hash);
  if (!record) throw new Error(`record ${hash} not listed`);
  return record;
}

/** Launches and waits until the process runs its final program. */
async function launchShape(shape: Pick<Shape, "executable" | "args" | "finalExe">, name = "shape") {
  const { record } = await launch(registry, { name, executable: shape.executable(), args: shape.args });
  launchedPids.push(record.pid!);
  await waitFor(() => readProcExe(record.pid!).path === shape.finalExe);
  return record;
}

describe("a launch that exec'd another program", () => {
  for (const shape of shapes) {
    it(`is running, shows what it runs now, stops, and is stopped after: ${shape.label}`, async () => {
      const record = await launchShape(shape, shape.label.split(" ")[0]);
      const before = await listed(record.hash);
      expect(before.status).toBe("running");
      if (record.executable !== shape.finalExe) expect(before.currentExecutable).toBe(shape.finalExe);
      // AYON's stricter check (kept for its own rows) would call it stopped.
      if (record.executable !== shape.finalExe) {
        expect(ayon(["running", String(record.pid), record.executable, String(record.startTime)])).toBe("false");
      }
      // "Delete all inactive" must not take it (only the earlier tests' stopped records).
      const inactive = (await registry.list()).filter((r) => r.status === "stopped").length;
      expect(await registry.deleteInactive()).toBe(inactive);
      expect(await registry.get(record.hash)).not.toBeNull();

      const result = await stopProcess(registry, record.hash, { graceMs: 2_000 });
      expect(result.outcome).toBe("stopped");
      expect(result.signal).toBe("SIGTERM");
      expect(readProcStat(record.pid!)?.state ?? "gone").toMatch(/gone|Z/);
      const after = await listed(record.hash);
      expect(after.status).toBe("stopped");
      expect(after.currentExecutable).toBeNull();
    });
  }

  it("is found through a symlinked executable", async () => {
    const link = path.join(dir, "nuke");
    fs.symlinkSync("/bin/sleep", link);
    const record = await launchShape({ executable: () => link, args: ["300"], finalExe: sleepPath }, "nuke");
    const now = await listed(record.hash);
    expect(now.status).toBe("running");
    // The link resolves to what runs: nothing to report.
    expect(now.currentExecutable).toBeNull();
    await stopProcess(registry, record.hash, { graceMs: 2_000 });
    expect((await listed(record.hash)).status).toBe("stopped");
  });

  it("stops its whole tree: children started before the exec, and their children", async () => {
    const record = await launchShape(
      {
        executable: () => script("farm-wrapper", "/bin/sleep 1001 &\n/bin/sh -c '/bin/sleep 1002 & wait' &\nexec /bin/sleep 300"),
        args: [],
        finalExe: sleepPath,
      },
      "tree",
    );
    const snapshot = await waitFor(async () => {
      const s = await ProcessSnapshot.take();
      return flattenDescendants(descendantsOf(s, record.pid!)).filter((d) => d.name === "sleep").length === 2 ? s : null;
    });
    const tree = flattenDescendants(descendantsOf(snapshot, record.pid!));
    expect(identifyProcess(snapshot, record.pid, record.executable, record.startTime).liveness).toBe("running");

    const result = await stopProcess(registry, record.hash, { graceMs: 2_000 });
    expect(result.outcome).toBe("stopped");
    expect(result.descendants).toBeGreaterThanOrEqual(3);
    for (const d of tree) expect(readProcStat(d.pid)?.state ?? "gone", `descendant ${d.pid}`).toMatch(/gone|Z/);
  });

  it("still refuses a reused pid (same pid, another creation time): stopped, never signalled", async () => {
    const real = await launchShape(shapes[0]!, "real");
    // A record of an older process that had the same pid.
    const stale = await registry.store({
      name: "old-render",
      executable: "/opt/hfs20.5/bin/houdini",
      pid: real.pid,
      startTime: real.startTime! - 3_600,
    });
    expect((await listed(stale.hash)).status).toBe("stopped");
    // Marked stopped by the listing; a record still marked running is refused with a reason.
    await registry.store({ name: "old-render-2", executable: "/bin/sleep", pid: real.pid, startTime: real.startTime! - 30 });
    const raw = (await registry.list({ invalidate: false })).find((r) => r.name === "old-render-2")!;
    await expect(stopProcess(registry, raw.hash)).rejects.toThrow(LaunchError);
    await expect(stopProcess(registry, raw.hash)).resolves.toMatchObject({ outcome: "already-stopped" });
    expect(readProcStat(real.pid!)?.state).not.toBe("Z");
    expect((await listed(real.hash)).status).toBe("running");
  });
});

describe("the same verdict through the CLI, the API and the list page", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("says running with what it runs now, and stops it", async () => {
    const record = await launchShape(shapes[0]!, "maya-wrapped");
    const env = { ...process.env, PROCESS_MONITOR_DB: dbPath };

    const list = await run(process.execPath, [bin, "list", "--running", "--json"], { env });
    const fromCli = (JSON.parse(list.stdout) as Array<Record<string, unknown>>).find((r) => r.hash === record.hash);
    expect(fromCli).toMatchObject({ running: true, status: "running", currentExecutable: sleepPath });
    const shown = await run(process.execPath, [bin, "show", record.hash.slice(0, 10)], { env });
    expect(shown.stdout).toMatch(/status\s+running/);
    expect(shown.stdout).toContain(`${sleepPath} (exec'd)`);

    const api = (await (await server.api(`/api/processes/${record.hash}`)).json()) as Record<string, unknown>;
    expect(api).toMatchObject({ running: true, currentExecutable: sleepPath });
    const apiList = (await (await server.api("/api/processes?status=running")).json()) as { processes?: unknown[] } | unknown[];
    expect(JSON.stringify(apiList)).toContain(record.hash);

    const page = await (await server.api("/?status=running")).text();
    expect(page).toContain(record.hash);
    expect(page).toMatch(/exec(&#x27;|’|&rsquo;|')d into/);
    const detail = await (await server.api(`/processes/${record.hash}`)).text();
    expect(detail).toContain('data-testid="current-executable"');

    const stop = await run(process.execPath, [bin, "stop", record.hash, "--grace", "2"], { env });
    expect(stop.stdout).toMatch(/Stopped maya-wrapped/);
    const after = (await (await server.api(`/api/processes/${record.hash}`)).json()) as Record<string, unknown>;
    expect(after).toMatchObject({ running: false });
    expect(after.currentExecutable).toBeUndefined();
  });
});
