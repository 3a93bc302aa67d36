import { spawn } from "node:child_process";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { Registry } from "../lib/registry";
import { readProcStat } from "../lib/system/proc-linux";
import { startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

const tsx = path.resolve("node_modules/tsx/dist/cli.mjs");
let server: RunningServer | undefined;
const children: number[] = [];

afterAll(async () => {
  await server?.stop("SIGKILL");
  for (const pid of children) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
});

function runScript(script: string, args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${script} exited ${code}: ${err}`))));
  });
}

describe("load and faults (loopback only, bounded)", () => {
  it("keeps every row and answers every request while 4 writers, AYON and list requests run at once", async () => {
    const dir = tempDir("pm-load-");
    const dbPath = path.join(dir, "registry.db");
    await (await Registry.open(dbPath)).close();
    server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir });

    const writers = [0, 1, 2, 3].map((id) => runScript("test/support/writer.ts", [dbPath, String(id), "1000"]));
    const ayon = runScript("test/support/ayon-writer.ts", [dbPath, "1000"]);
    let done = false;
    const all = Promise.all([...writers, ayon]).finally(() => (done = true));

    const statuses = new Map<number, number>();
    let requests = 0;
    const deadline = Date.now() + 120_000;
    while (!done && Date.now() < deadline) {
      const response = await server.api("/api/processes?limit=20");
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      requests++;
    }
    const results = (await all) as Array<{ stored?: number; deleted?: number; written?: number; failures: string[] }>;
    expect(results.flatMap((r) => r.failures)).toEqual([]);
    expect(results.slice(0, 4).map((r) => [r.stored, r.deleted])).toEqual(Array(4).fill([1000, 500]));
    expect(results[4]!.written).toBe(1000);
    expect([...statuses.keys()]).toEqual([200]);
    expect(requests).toBeGreaterThan(5);

    const db = new Database(dbPath, { readonly: true });
    const counts = db
      .prepare(
        "SELECT substr(name, 1, instr(name, '-') - 1) AS who, COUNT(*) AS n, COUNT(DISTINCT name) AS names FROM process_info GROUP BY who ORDER BY who",
      )
      .all();
    db.close();
    expect(counts).toEqual([
      { who: "ayon", n: 1000, names: 1000 },
      { who: "w0", n: 500, names: 500 },
      { who: "w1", n: 500, names: 500 },
      { who: "w2", n: 500, names: 500 },
      { who: "w3", n: 500, names: 500 },
    ]);
    const listed = await (await server.api("/api/processes?limit=1")).json();
    expect(listed.total).toBe(3000);
    console.log(`load: ${requests} list requests, all 200, during 4 × 1000 stores + 4 × 500 deletes + 1000 AYON writes`);
  }, 180_000);

  it("reopens cleanly after the server is killed mid-run, and launched children keep running", async () => {
    const dir = tempDir("pm-kill-");
    const dbPath = path.join(dir, "registry.db");
    await server?.stop(); // the first test's, before this one takes its place
    server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir });
    const launched = await (
      await server.api("/api/processes", {
        method: "POST",
        body: JSON.stringify({ name: "survivor", executable: "sleep", args: ["300"], cwd: dir }),
      })
    ).json();
    children.push(launched.pid);

    const writers = [0, 1].map((id) => runScript("test/support/writer.ts", [dbPath, String(id), "400"]));
    const hammering = (async () => {
      for (let i = 0; i < 200; i++) {
        try {
          await (await server!.api("/api/processes?limit=5")).arrayBuffer();
        } catch {
          return; // the server is gone: that is the point
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 700));
    const port = server.port;
    const token = server.token;
    await server.stop("SIGKILL");
    await hammering;
    await Promise.all(writers);

    expect(readProcStat(launched.pid)?.state).toMatch(/[SR]/);
    server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir }, port, token);
    const health = await server.api("/api/health");
    expect(health.status).toBe(200);
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
    const record = await (await server.api(`/api/processes/${launched.hash}`)).json();
    expect(record).toMatchObject({ name: "survivor", running: true });
    const total = (await (await server.api("/api/processes?limit=1")).json()).total;
    expect(total).toBe(1 + 2 * 200);
  }, 120_000);
});
