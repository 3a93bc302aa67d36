// How the server holds up under faults (issue 21): npm run bench -- faults
// - a registry held by another writer: the old way (SQLite's busy handler, in the thread)
//   side by side with the server's asynchronous waits, told by /api/health's latency;
// - a record with 1,000,000 arguments: its detail page and the list;
// - 16 MB reports with a forged host secret sent to a hub, while /api/health is asked;
// - an enrolled host flooding its socket (results for commands it was never sent, invalid
//   reports), with honest hosts' report latency and /api/health beside it, quiet then flooded;
// - a launch whose studio end pattern is catastrophic (^(a+)+$) settled, beside one without.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { ensureBuild } from "../scripts/ensure-build.js";
import { Registry } from "../lib/registry";
import WebSocket from "ws";
import { agentSocket, enrolByHand, startHub, workstation } from "../test/support/fleet";
import { bareFacts, deltaReport } from "../test/support/reported";
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

    await socketFlood(path.join(dir, "flood-hub"));
    settleWithPattern(path.join(dir, "patterns"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** An enrolled host's socket: reports a heartbeat each call, resolving to the hub's answer time. */
async function socketHost(hub: RunningServer, name: string) {
  const { secret } = await enrolByHand(hub.url, `m-${name}`, name);
  const open = () => agentSocket(hub.url, secret);
  const socket = await open();
  const waiting = new Map<string, (body: { status: number; body: { accepted?: number } }) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { type: string; id: string; status: number; body: { accepted?: number } };
    if (message.type === "report-answer") waiting.get(message.id)?.(message);
  });
  let seq = 0;
  const facts = bareFacts(name, { agentVersion: "bench" });
  return {
    secret,
    open,
    socket,
    async report(): Promise<number> {
      const id = crypto.randomUUID();
      const report = deltaReport({ machineId: `m-${name}`, seq }, facts, seq === 0 ? { full: true, base: null } : {});
      const started = performance.now();
      const answer = await new Promise<{ status: number; body: { accepted?: number } }>((resolve) => {
        waiting.set(id, resolve);
        socket.send(JSON.stringify({ type: "report", id, report }));
      });
      waiting.delete(id);
      if (answer.status === 200) seq = answer.body.accepted!;
      return performance.now() - started;
    },
  };
}

/**
 * Four honest hosts report every 100 ms and /api/health is asked, first for 3 s quiet, then for 5 s
 * while an enrolled host sends 200,000 result frames and invalid reports on its socket, opening
 * another each time one is closed for its rate.
 */
async function socketFlood(home: string): Promise<void> {
  const hub = await startHub(home);
  try {
    const honest = await Promise.all([0, 1, 2, 3].map((i) => socketHost(hub, `honest-${i}`)));
    const attacker = await socketHost(hub, "flooder");
    await Promise.all(honest.map((h) => h.report()));
    const measure = async (seconds: number, during?: () => Promise<void>) => {
      const reports: number[] = [];
      let done = false;
      const until = new Promise<void>((r) => setTimeout(() => ((done = true), r()), seconds * 1000));
      const hosts = honest.map(async (h) => {
        while (!done) {
          reports.push(await h.report());
          await new Promise((r) => setTimeout(r, 100));
        }
      });
      const flooding = during?.();
      const health = await healthWhile(hub, until);
      await Promise.all([...hosts, flooding]);
      return { reports, health };
    };
    const quiet = await measure(3);
    let frames = 0;
    let closedForRate = 0;
    const flooded = await measure(5, async () => {
      const deadline = Date.now() + 5_000;
      const result = JSON.stringify({ type: "result", id: "never-sent", result: { ok: true, message: "x", data: {} } });
      const invalid = JSON.stringify({ type: "report", id: "r", report: { protocol: 1, seq: "x" } });
      while (Date.now() < deadline && frames < 200_000) {
        const socket = await attacker.open().catch(() => null);
        if (!socket) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        socket.on("close", (code) => (closedForRate += code === 1008 ? 1 : 0));
        while (socket.readyState === WebSocket.OPEN && Date.now() < deadline && frames < 200_000) {
          socket.send(frames % 10 === 0 ? invalid : result);
          frames += 1;
          if (frames % 500 === 0) await new Promise((r) => setImmediate(r));
        }
        socket.terminate();
      }
    });
    report("4 honest hosts' reports, quiet: p50 / p95", `${ms(percentile(quiet.reports, 50))} / ${ms(percentile(quiet.reports, 95))}`);
    report("  /api/health, quiet: p50 / p95", `${ms(percentile(quiet.health, 50))} / ${ms(percentile(quiet.health, 95))}`);
    report(`  a host's flood (${frames.toLocaleString("en")} frames, ${closedForRate} sockets closed)`, "");
    report(
      "  the honest reports meanwhile: p50 / p95",
      `${ms(percentile(flooded.reports, 50))} / ${ms(percentile(flooded.reports, 95))}`,
      "p95 within a few times quiet",
    );
    report(
      "  /api/health meanwhile: p50 / p95",
      `${ms(percentile(flooded.health, 50))} / ${ms(percentile(flooded.health, 95))}`,
      "was a 0.73 s median for 12 s",
    );
    for (const h of [...honest, attacker]) h.socket.terminate();
  } finally {
    await hub.stop();
  }
}

/**
 * A launch that prints 30 a's and a b, then exits 2, settled with a studio pattern that finds it
 * ("Ends in b"), alone and after one that backtracks on it (^(a+)+$): launch to the end reason.
 */
function settleWithPattern(home: string): void {
  const line = `${"a".repeat(30)}b`;
  const found = { name: "Ends in b", pattern: "a+b$" };
  const settle = (patterns: object[]) => {
    const ws = workstation(home, "http://127.0.0.1:1", "patterns", { PROCESS_MONITOR_END_PATTERNS: JSON.stringify(patterns) });
    delete ws.env.PROCESS_MONITOR_HUB_URL;
    const started = performance.now();
    const hash = ws.cli("launch", "--name", "settles", "--", "/bin/sh", "-c", `echo ${line}; exit 2`).stdout.trim();
    // Until it is settled, a record's end reason is its exit; settled, the pattern that found its last line.
    for (;;) {
      const shown = JSON.parse(ws.cli("show", "--json", hash).stdout || "{}") as { endReason?: { kind: string } | null };
      if (shown.endReason?.kind === "pattern") return performance.now() - started;
      if (performance.now() - started > 60_000) return Infinity;
    }
  };
  const plain = settle([found]);
  const catastrophic = settle([{ name: "backtracks", pattern: "^(a+)+$" }, found]);
  report("a launch's end settled by a studio pattern", ms(plain));
  report("  after a catastrophic one (^(a+)+$) first", ms(catastrophic), "plain + its 1 s deadline, not a stall");
}
