// Fleet: 300 simulated agents × 100 processes (BENCH_FLEET_AGENTS up to 1,000) reporting every
// 5 s to one hub, on SQLite and then on PostgreSQL, over the agents' WebSocket and over the
// HTTP fallback, with a table of both side by side at the end. A simulated agent is a loop here
// speaking the real protocol (all of them share this process).
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { HostFacts, Report, ReportedProcess } from "../lib/fleet/protocol";
import WebSocket from "ws";
import { CHANNEL_PATH, PROTOCOL_VERSION } from "../lib/fleet/protocol";
import { FLEET_KEY, startAgent, startHub, workstation } from "../test/support/fleet";
import type { RunningServer } from "../test/support/next-server";
import { postgresBin, startPostgres } from "../test/support/postgres";
import { median, ms, percentile, report } from "./stats";

const AGENTS = Number(process.env.BENCH_FLEET_AGENTS ?? 300);
const PROCESSES = 100;
const INTERVAL_MS = 5_000;
/** Half with nobody looking, half with /fleet opened every second (60 s: some 27 page views for a p95). */
const DURATION_MS = Number(process.env.BENCH_FLEET_SECONDS ?? 60) * 1000;
/** BENCH_FLEET_ONLY=actions|sqlite|postgres runs one part (a comma-separated list for more). */
const ONLY = new Set((process.env.BENCH_FLEET_ONLY ?? "actions,sqlite,postgres").split(",").map((s) => s.trim()));
/** BENCH_FLEET_TRANSPORT=socket|http runs one transport (both by default, one after the other). */
const TRANSPORTS = (process.env.BENCH_FLEET_TRANSPORT ?? "socket,http").split(",").map((s) => s.trim()) as Array<"socket" | "http">;

function facts(i: number): HostFacts {
  return {
    hostname: `ws-${String(i).padStart(3, "0")}`,
    platform: "linux",
    release: "6.1.0",
    arch: "x64",
    cores: 32,
    memTotalBytes: 128 * 2 ** 30,
    memUsedBytes: 40 * 2 ** 30,
    load: [3.2, 2.9, 2.5],
    uptimeSeconds: 86_400,
    agentVersion: "bench",
    tags: i % 3 === 0 ? ["lighting", "gpu"] : ["comp"],
  };
}

function process_(host: number, n: number, now: number): ReportedProcess {
  const running = n % 4 !== 0;
  const env: Record<string, string> = {};
  for (let e = 0; e < 30; e += 1) env[`VAR_${e}`] = `/studio/pipeline/value/${host}/${n}/${e}`;
  return {
    hash: crypto.createHash("sha256").update(`${host}:${n}:${now}`).digest("hex"),
    name: ["maya", "houdini", "nuke", "render"][n % 4]! + `-${n}`,
    pid: running ? 10_000 + n : null,
    executable: "/opt/autodesk/maya2025/bin/maya.bin",
    currentExecutable: null,
    user: "artist",
    args: ["-batch", "-file", `/projects/show/shot_${n}/scene_v${host}.mb`],
    env,
    cwd: `/projects/show/shot_${n}`,
    status: running ? "running" : "stopped",
    exitCode: running ? null : n % 8 === 0 ? 1 : 0,
    exitSignal: null,
    stopSignal: null,
    exitObserved: true,
    startTime: now / 1000 - 3600,
    endedAt: running ? null : now / 1000 - 60,
    createdAt: new Date(now - 3_600_000 + n * 1000).toISOString(),
    cpuPercent: running ? 50 : null,
    rssBytes: running ? 4 * 2 ** 30 : null,
    outputFile: `/home/artist/.local/share/process-monitor/process_output/${n}.log`,
    outputSize: 1_000_000,
    runawayOutput: false,
    liveChildren: 0,
    warnings: [],
    peakMemoryBytes: null,
    ownCpuPercent: null,
    ownRssBytes: null,
    cpuSeconds: null,
    endReason: null,
  };
}

interface SimAgent {
  i: number;
  secret: string;
  machineId: string;
  seq: number;
  base: number | null;
  processes: ReportedProcess[];
  /** The agent's WebSocket, when the run is over sockets. */
  socket?: WebSocket;
  answers?: Map<string, (answer: { status: number; body: Record<string, unknown> }) => void>;
}

/** Opens an agent's socket as the real agent does (its host secret at the upgrade). */
function openSocket(hub: RunningServer, agent: SimAgent): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${hub.url.replace(/^http/, "ws")}${CHANNEL_PATH}`, {
      headers: { authorization: `Bearer ${agent.secret}` },
    });
    agent.answers = new Map();
    socket.on("message", (data) => {
      const message = JSON.parse(data.toString()) as { type: string; id: string; status: number; body: Record<string, unknown> };
      if (message.type === "report-answer") agent.answers?.get(message.id)?.(message);
    });
    socket.once("open", () => ((agent.socket = socket), resolve()));
    socket.once("error", reject);
  });
}

async function post(
  url: string,
  bearer: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown>; serverMs: number | null }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const timing = /dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "");
  return { status: response.status, json: (await response.json()) as Record<string, unknown>, serverMs: timing ? Number(timing[1]) : null };
}

/** The figures of each run, printed side by side at the end: figure -> column (store and transport) -> value. */
const summary = new Map<string, Map<string, string>>();
const columns: string[] = [];
function keep(column: string, figure: string, value: string): void {
  if (!columns.includes(column)) columns.push(column);
  if (!summary.has(figure)) summary.set(figure, new Map());
  summary.get(figure)!.set(column, value);
}

function printSummary(): void {
  if (columns.length === 0) return;
  console.log(`
side by side (${AGENTS} agents × ${PROCESSES} processes, every ${INTERVAL_MS / 1000} s)`);
  const width = Math.max(...[...summary.keys()].map((f) => f.length)) + 2;
  console.log(`  ${"".padEnd(width)}${columns.map((c) => c.padStart(20)).join("")}`);
  for (const [figure, values] of summary) {
    console.log(`  ${figure.padEnd(width)}${columns.map((c) => (values.get(c) ?? "–").padStart(20)).join("")}`);
  }
}

/** Time the hub spent storing each delta (its Server-Timing), apart from queueing for the CPU. */
const storing: number[] = [];

async function sendReport(hub: RunningServer, agent: SimAgent, full: boolean, upserts: ReportedProcess[], events: Report["events"]) {
  const body: Report = {
    protocol: PROTOCOL_VERSION,
    machineId: agent.machineId,
    seq: agent.seq + 1,
    base: full ? null : agent.base,
    full,
    interval: INTERVAL_MS / 1000,
    facts: facts(agent.i),
    upserts,
    removed: [],
    events,
  };
  agent.seq += 1;
  const start = performance.now();
  if (agent.socket) {
    const id = crypto.randomUUID();
    const answer = await new Promise<{ status: number; body: Record<string, unknown> }>((resolve) => {
      agent.answers!.set(id, resolve);
      agent.socket!.send(JSON.stringify({ type: "report", id, report: body }));
    });
    agent.answers!.delete(id);
    if (answer.status !== 200) throw new Error(`report refused: ${answer.status} ${JSON.stringify(answer.body)}`);
    agent.base = answer.body.accepted as number;
    return performance.now() - start;
  }
  const answer = await post(`${hub.url}/api/fleet/report`, agent.secret, body);
  const took = performance.now() - start;
  if (answer.status !== 200) throw new Error(`report refused: ${answer.status} ${JSON.stringify(answer.json)}`);
  agent.base = answer.json.accepted as number;
  if (!full && answer.serverMs !== null) storing.push(answer.serverMs);
  return took;
}

/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

async function timePage(hub: RunningServer, pathname: string): Promise<number> {
  const start = performance.now();
  const response = await hub.api(pathname);
  await response.text();
  if (response.status !== 200) throw new Error(`${pathname}: ${response.status}`);
  return performance.now() - start;
}

/** A hub that did not start: its folder goes too, and the error on. */
function leaving(home: string) {
  return (error: unknown): never => {
    fs.rmSync(home, { recursive: true, force: true });
    throw error;
  };
}

async function run(label: string, transport: "socket" | "http", fleetDb?: string): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "pm-bench-fleet-"));
  // BENCH_HUB_NODE_OPTIONS (e.g. "--require ./profile-hook.cjs") goes to the hub alone, to profile it under this load.
  const hubOptions = process.env.BENCH_HUB_NODE_OPTIONS;
  // The simulated agents open their sockets one after another as fast as they can: the hub's
  // admission rate (100 a second, for a real comeback) and its new hosts a minute (60) are
  // raised so that none is turned away.
  const env = {
    PROCESS_MONITOR_HUB_ADMISSIONS: String(AGENTS * 10),
    PROCESS_MONITOR_HUB_ENROLMENTS: String(AGENTS * 10),
    ...(hubOptions ? { NODE_OPTIONS: hubOptions } : {}),
  };
  const hub = await startHub(home, { fleetDb, env }).catch(leaving(home));
  try {
    const agents: SimAgent[] = [];
    const enrolStart = performance.now();
    for (let i = 0; i < AGENTS; i += 1) {
      const answer = await post(`${hub.url}/api/fleet/enroll`, FLEET_KEY, {
        protocol: PROTOCOL_VERSION,
        hostId: crypto.randomUUID(),
        machineId: `bench-${i}`,
        hostname: facts(i).hostname,
      });
      if (answer.status !== 200) throw new Error(`enrol: ${answer.status} ${JSON.stringify(answer.json)}`);
      const now = Date.now();
      agents.push({
        i,
        secret: answer.json.secret as string,
        machineId: `bench-${i}`,
        seq: 0,
        base: null,
        processes: Array.from({ length: PROCESSES }, (_, n) => process_(i, n, now)),
      });
    }
    const enrolMs = performance.now() - enrolStart;
    if (transport === "socket") for (const agent of agents) await openSocket(hub, agent);
    const fullTimes: number[] = [];
    for (let i = 0; i < agents.length; i += 10) {
      fullTimes.push(...(await Promise.all(agents.slice(i, i + 10).map((a) => sendReport(hub, a, true, a.processes, [])))));
    }
    const rssAfterFull = rssMiB(hub.child.pid!);
    // Warm the hub's snapshot once, as the first visitor after start would.
    const coldFirst = await timePage(hub, "/fleet");

    // Steady state: each agent every 5 s (staggered), a few CPU changes, now and then a new
    // record and an exit. For the first half nobody looks; for the second, a team lead opens
    // /fleet every second (five times what one open page's auto-refresh asks).
    const deltas: number[] = [];
    const quiet: number[] = [];
    let viewing = false;
    const pages: number[] = [];
    /** A lead's filtered, searched and sorted view under the same load (every record of the fleet is looked at). */
    const filteredLoaded: number[] = [];
    const FILTERED = "/fleet?status=running&q=houdini&sort=cpu";
    type Loop = { p99Ms?: number; maxMs?: number } | undefined;
    const eventLoop = async (reset: boolean): Promise<Loop> => {
      const health = (await (await hub.api(`/api/health${reset ? "?reset=1" : ""}`, reset ? { method: "POST" } : {})).json()) as {
        eventLoop?: Loop;
      };
      return health.eventLoop;
    };
    let quietLoop: Loop;
    storing.length = 0;
    await hub.api("/api/health?reset=1", { method: "POST" });
    let stop = false;
    const loops = agents.map(async (agent, k) => {
      await new Promise((r) => setTimeout(r, (k / agents.length) * INTERVAL_MS));
      let round = 0;
      while (!stop) {
        const started = Date.now();
        round += 1;
        const changed: ReportedProcess[] = [];
        for (let c = 0; c < 5; c += 1) {
          const p = agent.processes[(round * 7 + c * 13) % PROCESSES]!;
          if (p.status === "running") changed.push({ ...p, cpuPercent: (p.cpuPercent ?? 0) > 50 ? 10 : 90 });
        }
        const events: Report["events"] = [];
        if (round % 3 === 0) {
          const fresh = process_(agent.i, 1000 + round, Date.now());
          agent.processes.push(fresh);
          changed.push(fresh);
          const ended = { ...changed[0]!, status: "stopped" as const, exitCode: 2, endedAt: Date.now() / 1000 };
          changed[0] = ended;
          events.push({ hash: ended.hash, name: ended.name, exitCode: 2, exitSignal: null, stopSignal: null, endedAt: ended.endedAt });
        }
        const watched = viewing;
        const took = await sendReport(hub, agent, false, changed, events);
        (watched ? deltas : quiet).push(took);
        await new Promise((r) => setTimeout(r, Math.max(0, INTERVAL_MS - (Date.now() - started))));
      }
    });
    // The hub's CPU over the quiet half, per report taken (its background reading included).
    const quietCpu = { start: cpuMs(hub.child.pid!), ms: 0, reports: 0 };
    const viewer = (async () => {
      await new Promise((r) => setTimeout(r, DURATION_MS / 2));
      quietCpu.ms = cpuMs(hub.child.pid!) - quietCpu.start;
      quietCpu.reports = quiet.length;
      quietLoop = await eventLoop(false);
      await eventLoop(true);
      viewing = true;
      while (!stop) {
        pages.push(await timePage(hub, "/fleet"));
        filteredLoaded.push(await timePage(hub, FILTERED));
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();
    await new Promise((r) => setTimeout(r, DURATION_MS));
    stop = true;
    await Promise.all([...loops, viewer]);
    const rssEnd = rssMiB(hub.child.pid!);
    const loop = await eventLoop(false);
    const filtered: number[] = [];
    for (let k = 0; k < 10; k += 1) filtered.push(await timePage(hub, FILTERED));
    const api: number[] = [];
    for (let k = 0; k < 10; k += 1) api.push(await timePage(hub, "/api/fleet/processes?limit=100"));

    for (const agent of agents) agent.socket?.close();
    const column = `${label} ${transport === "socket" ? "socket" : "HTTP"}`;
    keep(column, "hub CPU per report (target ≤ 1.5 ms)", ms(quietCpu.ms / quietCpu.reports));
    keep(column, "ingest p95 (target < 50 ms)", ms(percentile(quiet, 95)));
    keep(column, "/fleet median / p95 loaded (< 300 ms)", `${median(pages).toFixed(0)} / ${percentile(pages, 95).toFixed(0)} ms`);
    keep(
      column,
      "/fleet filtered median / p95 loaded",
      `${median(filteredLoaded).toFixed(0)} / ${percentile(filteredLoaded, 95).toFixed(0)} ms`,
    );
    keep(column, "event-loop delay max: quiet / viewed", `${(quietLoop?.maxMs ?? NaN).toFixed(0)} / ${(loop?.maxMs ?? NaN).toFixed(0)} ms`);
    keep(column, "hub RSS at the end (< 800 MB)", `${rssEnd.toFixed(0)} MiB`);
    console.log(
      `\n${label}, reports over ${transport === "socket" ? "WebSockets" : "HTTP"}: ${AGENTS} agents × ${PROCESSES} processes, every ${INTERVAL_MS / 1000} s for ${DURATION_MS / 1000} s`,
    );
    report("enrol all agents (one after another)", `${(enrolMs / 1000).toFixed(1)} s`);
    report("full report of 100 records: median / p95", `${ms(median(fullTimes))} / ${ms(percentile(fullTimes, 95))}`);
    report(
      `delta report ingest, nobody looking: median / p95 (n = ${quiet.length})`,
      `${ms(median(quiet))} / ${ms(percentile(quiet, 95))}`,
      "p95 < 50 ms",
    );
    report(`  …while /fleet is opened every second (n = ${deltas.length})`, `${ms(median(deltas))} / ${ms(percentile(deltas, 95))}`);
    if (storing.length > 0)
      report("  of which storing it in the hub: median / p95", `${ms(median(storing))} / ${ms(percentile(storing, 95))}`);
    report("hub CPU per report with nobody looking (all its work / reports)", ms(quietCpu.ms / quietCpu.reports));
    report("hub event-loop delay, nobody looking: p99 / max", `${ms(quietLoop?.p99Ms ?? NaN)} / ${ms(quietLoop?.maxMs ?? NaN)}`);
    report("  …while /fleet and a filtered view are opened every second", `${ms(loop?.p99Ms ?? NaN)} / ${ms(loop?.maxMs ?? NaN)}`);
    report("/fleet first page, first visit after start", ms(coldFirst));
    report(
      `/fleet first page under load: median / p95 (n = ${pages.length})`,
      `${ms(median(pages))} / ${ms(percentile(pages, 95))}`,
      "< 300 ms",
    );
    // Each view in turn (ms): with so few views, the p95 is about the slowest one; this says which.
    console.log(`    in turn: ${pages.map((t) => t.toFixed(0)).join(" ")}`);
    console.log(`    filtered, in turn: ${filteredLoaded.map((t) => t.toFixed(0)).join(" ")}`);
    report(
      `/fleet filtered, searched, sorted by CPU under load: median / p95 (n = ${filteredLoaded.length})`,
      `${ms(median(filteredLoaded))} / ${ms(percentile(filteredLoaded, 95))}`,
    );
    report("/fleet filtered, searched, sorted by CPU after the load (median)", ms(median(filtered)));
    report("GET /api/fleet/processes?limit=100 (median)", ms(median(api)));
    report("hub RSS after the full reports / at the end", `${rssAfterFull.toFixed(0)} / ${rssEnd.toFixed(0)} MiB`);
  } finally {
    await hub.stop();
    fs.rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}

/** Actions through a real agent: from the hub's API to the workstation and back. */
async function actions(transport: "socket" | "http"): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "pm-bench-fleet-actions-"));
  const hub = await startHub(path.join(home, "hub")).catch(leaving(home));
  const ws = workstation(path.join(home, "ws"), hub.url, "bench-ws", transport === "http" ? { PROCESS_MONITOR_HUB_TRANSPORT: "http" } : {});
  const agent = startAgent(ws);
  try {
    const hashes = Array.from({ length: 20 }, (_, i) => ws.cli("launch", "--name", `job-${i}`, "--", "/bin/sleep", "600").stdout.trim());
    const big = ws.cli("launch", "--name", "big-log", "--", "/bin/sh", "-c", "echo start; exec sleep 600").stdout.trim();
    for (;;) {
      const hosts = (await (await hub.api("/api/fleet/hosts")).json()) as { hosts: Array<{ running: number }> };
      if (hosts.hosts[0]?.running === 21) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const stops: number[] = [];
    for (const hash of hashes) {
      const start = performance.now();
      const response = await hub.api(`/api/fleet/hosts/bench-ws/processes/${hash}/stop`, { method: "POST" });
      const said = await response.text();
      if (response.status !== 200) throw new Error(`stop: ${response.status} ${said}\nagent:\n${agent.logs().slice(-3000)}`);
      stops.push(performance.now() - start);
      // One stop at a time, as a person gives them: not while the last one's report is taken.
      await new Promise((r) => setTimeout(r, 300));
    }
    // A 1 GiB output file (sparse, with real lines at its end), read from its end through the hub.
    const file = JSON.parse(ws.cli("show", big, "--json").stdout).outputFile as string;
    fs.truncateSync(file, 2 ** 30);
    fs.appendFileSync(file, Array.from({ length: 500 }, (_, i) => `frame ${i} done`).join("\n") + "\n");
    const tails: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const start = performance.now();
      const response = await hub.api(`/api/fleet/hosts/bench-ws/processes/${big}/output?length=65536`);
      const text = await response.text();
      if (!text.includes("frame 499 done"))
        throw new Error(`the tail did not come through: ${response.status} ${text.slice(0, 300)}\nagent:\n${agent.logs().slice(-3000)}`);
      tails.push(performance.now() - start);
    }
    // A remote follow: from a line written on the workstation to its first byte in the hub's stream.
    const follows: number[] = [];
    const stream = await hub.api(`/api/fleet/hosts/bench-ws/processes/${big}/output?follow=1`);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    while (!seen.includes("event: ready")) seen += decoder.decode((await reader.read()).value);
    for (let i = 0; i < 10; i += 1) {
      const marker = `follow-marker-${i}`;
      const start = performance.now();
      fs.appendFileSync(file, `${marker}\n`);
      while (!seen.includes(marker)) seen += decoder.decode((await reader.read()).value);
      follows.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 300));
    }
    await reader.cancel();
    console.log(
      `\nactions through a real agent over ${transport === "socket" ? "its WebSocket" : "HTTP (long-poll)"} (SQLite hub, one workstation)`,
    );
    report(
      "stop from the hub API, carried out and answered: median / p95",
      `${ms(median(stops))} / ${ms(percentile(stops, 95))}`,
      "median < 500 ms",
    );
    report(
      "last 64 KiB of a 1 GiB remote output through the hub: median / max",
      `${ms(median(tails))} / ${ms(Math.max(...tails))}`,
      "< 1 s",
    );
    report(
      "remote follow: a line written to its first byte in the hub's stream: median / max",
      `${ms(median(follows))} / ${ms(Math.max(...follows))}`,
      "< 300 ms",
    );
    const column = `SQLite ${transport === "socket" ? "socket" : "HTTP"}`;
    keep(column, "stop from the hub median / p95 (< 100 ms)", `${median(stops).toFixed(0)} / ${percentile(stops, 95).toFixed(0)} ms`);
    keep(column, "remote follow first byte (< 300 ms)", ms(median(follows)));
    ws.cli("stop", "--force", big);
  } finally {
    await agent.stop();
    ws.stopAll();
    await hub.stop();
    fs.rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}

export async function benchFleet(): Promise<void> {
  console.log("\nfleet");
  if (ONLY.has("actions")) for (const transport of TRANSPORTS) await actions(transport);
  if (ONLY.has("sqlite")) for (const transport of TRANSPORTS) await run("SQLite", transport);
  if (ONLY.has("postgres") && !postgresBin()) {
    console.log("  PostgreSQL is not installed (apt-get install -y postgresql): its run is left out.");
  } else if (ONLY.has("postgres")) {
    const pg = await startPostgres();
    try {
      for (const transport of TRANSPORTS) await run("PostgreSQL", transport, pg.url);
    } finally {
      await pg.stop();
    }
  }
  printSummary();
}
