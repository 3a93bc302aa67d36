// How the server holds up under faults (issue 21): npm run bench -- faults
// - a registry held by another writer: the old way (SQLite's busy handler, in the thread)
//   side by side with the server's asynchronous waits, told by /api/health's latency;
// - a record with 1,000,000 arguments: its detail page and the list;
// - 16 MB reports with a forged host secret sent to a hub, while /api/health is asked.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { ensureBuild } from "../scripts/ensure-build.js";
import { Registry } from "../lib/registry";
import { startHub } from "../test/support/fleet";
import { logIn, startServer, type RunningServer } from "../test/support/next-server";
import { ms, percentile, report, timed } from "./stats";

function holdLock(db: string, seconds: number): Promise<{ released: Promise<void> }> {
  const script = `import sqlite3, sys, time\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute('BEGIN IMMEDIATE')\nprint('locked', flush=True)\ntime.sleep(float(sys.argv[2]))\nc.execute('ROLLBACK')`;
  const child = spawn("/usr/bin/python3", ["-c", script, db, String(seconds)], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve) =>
    child.stdout!.once("data", () => resolve({ released: new Promise((r) => child.once("exit", () => r())) })),
  );
}

/** /api/health every 100 ms until `done`: its latencies. */
async function healthWhile(server: RunningServer, done: Promise<unknown>): Promise<number[]> {
  let finished = false;
  void done.finally(() => (finished = true));
  const latencies: number[] = [];
  while (!finished) {
    const [, took] = await timed(async () => (await server.api("/api/health")).arrayBuffer());
    latencies.push(took);
    await new Promise((r) => setTimeout(r, 100));
  }
  return latencies;
}

export async function benchFaults(): Promise<void> {
  console.log("\nFaults (npm run bench -- faults)");
  ensureBuild();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-bench-faults-"));
  try {
    const db = path.join(dir, "registry.db");
    const registry = await Registry.open(db, { driver: "direct" });
    const huge = await registry.store({
      name: "generated-cmd",
      executable: "/usr/bin/xargs",
      args: Array.from({ length: 1_000_000 }, (_, i) => `--frame=${i}`),
      pid: 4_900_001,
      startTime: 1_764_500_000,
      stopped: true,
    });
    await registry.close();

    // The old way: the driver's own busy wait, 15 s allowed, in this thread.
    const reference = new Database(db, { timeout: 15_000 });
    const held = await holdLock(db, 3);
    const [, blocked] = await timed(async () => reference.prepare("UPDATE process_info SET name = name WHERE 0").run());
    reference.close();
    await held.released;
    report("a 3 s lock, waited in the thread (the old way)", ms(blocked), "the thread stands still that long");

    const server = await startServer({ PROCESS_MONITOR_DB: db, HOME: dir });
    try {
      await (await server.api("/api/health")).arrayBuffer();
      await server.api("/api/health?reset=1", { method: "POST" });
      const lock = await holdLock(db, 4);
      const launch = timed(() =>
        server.api("/api/processes", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "waits", executable: "/bin/true" }),
        }),
      );
      const latencies = await healthWhile(server, launch);
      const [response, launchMs] = await launch;
      await lock.released;
      const loop = ((await (await server.api("/api/health")).json()) as { eventLoop: { maxMs: number } }).eventLoop;
      report("the same 4 s lock in the server: launch answered", `${ms(launchMs)} (${response.status})`);
      report(
        "  /api/health meanwhile, p50 / max",
        `${ms(percentile(latencies, 50))} / ${ms(Math.max(...latencies))}`,
        "well under a second",
      );
      report("  event loop's longest delay", ms(loop.maxMs));

      const cookie = `pm_session_${server.port}=${await logIn(server)}`;
      const [html, pageMs] = await timed(async () => (await fetch(`${server.url}/processes/${huge.hash}`, { headers: { cookie } })).text());
      report("detail page of a record with 1,000,000 arguments", `${ms(pageMs)}, ${(html.length / 1024).toFixed(0)} KiB`);
      const [list, listMs] = await timed(async () => (await fetch(`${server.url}/`, { headers: { cookie } })).text());
      report("  the list with it", `${ms(listMs)}, ${(list.length / 1024).toFixed(0)} KiB`);
      const [json, jsonMs] = await timed(async () => (await server.api(`/api/processes/${huge.hash}`)).arrayBuffer());
      report("  its JSON (all of it, on demand)", `${ms(jsonMs)}, ${(json.byteLength / 2 ** 20).toFixed(1)} MiB`);
    } finally {
      await server.stop();
    }

    const hub = await startHub(path.join(dir, "hub"));
    try {
      const body = Buffer.alloc(15 * 1024 * 1024, " ");
      body[0] = "{".charCodeAt(0);
      const forged = `${crypto.randomUUID()}.${"x".repeat(43)}`;
      const flood = timed(async () => {
        for (let round = 0; round < 5; round += 1) {
          await Promise.all(
            Array.from({ length: 16 }, () =>
              fetch(`${hub.url}/api/fleet/report`, {
                method: "POST",
                headers: { authorization: `Bearer ${forged}`, "content-type": "application/json" },
                body,
              })
                .then((r) => r.arrayBuffer())
                .catch(() => undefined),
            ),
          );
        }
      });
      const latencies = await healthWhile(hub, flood);
      const [, floodMs] = await flood;
      report("80 forged 15 MB reports to a hub, 16 at a time", ms(floodMs));
      report("  /api/health meanwhile, p50 / max", `${ms(percentile(latencies, 50))} / ${ms(Math.max(...latencies))}`, "was 2.2 s");
    } finally {
      await hub.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
