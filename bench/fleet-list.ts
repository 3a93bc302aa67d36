// The fleet's list at 1,000 hosts × 100 records (BENCH_FLEET_AGENTS hosts), in this process on
// a real SQLite fleet store: a page of the default order, a filtered and searched one, and sorts
// of every record, each while a fifth of the hosts report between two views (as in 1 s of a
// fleet reporting every 5 s). Beside each: the reference, every record made a row (a view) and
// the workstation's selectProcesses over them (rows kept per copy of a record), which is what
// the hub did before it kept each host's matches and made rows for the page only.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { fleetLocation } from "../lib/db/fleet-client";
import { enroll } from "../lib/fleet/hub/enroll";
import { ingest } from "../lib/fleet/hub/ingest";
import { FleetProcesses } from "../lib/fleet/hub/records";
import { FleetSnapshotReader } from "../lib/fleet/hub/snapshot";
import { toFleetView, type FleetItem } from "../lib/fleet/hub/view";
import type { HostFacts, Report, ReportedProcess } from "../lib/fleet/protocol";
import { closeFleetStore, fleetStore } from "../lib/fleet/store";
import { ALL, PAGE_SIZE, selectProcesses, type ProcessQuery } from "../lib/processes/query";
import { median, ms, report } from "./stats";
import { deltaReport, reportedProcess } from "../test/support/reported";

const HOSTS = Number(process.env.BENCH_FLEET_AGENTS ?? 1000);
const RECORDS = 100;
const VIEWS = 7;

const facts: HostFacts = {
  hostname: "ws",
  platform: "linux",
  release: "6.1.0",
  arch: "x64",
  cores: 32,
  memTotalBytes: 2 ** 37,
  memUsedBytes: 2 ** 35,
  load: [1, 1, 1],
  uptimeSeconds: 1,
  agentVersion: "bench",
  tags: [],
};

function record(host: number, n: number, round = 0): ReportedProcess {
  const running = n % 4 !== 0;
  return reportedProcess({
    hash: crypto.createHash("sha256").update(`${host}/${n}`).digest("hex"),
    name: `${["maya", "houdini", "nuke", "render"][n % 4]!}-${n}`,
    pid: running ? 10_000 + n : null,
    executable: "/opt/autodesk/maya2025/bin/maya.bin",
    args: ["-batch", "-file", `/projects/show/shot_${n}/scene_v${host}.mb`],
    status: running ? "running" : "stopped",
    exitCode: running ? null : n % 8 === 0 ? 1 : 0,
    startTime: 1_780_000_000 + n,
    endedAt: running ? null : 1_780_003_600,
    createdAt: new Date(1_780_000_000_000 + n * 1000 + host).toISOString(),
    cpuPercent: running ? (n * 7 + host + round * 13) % 100 : null,
    rssBytes: running ? (n % 16) * 2 ** 28 : null,
    outputSize: (n * 977) % 100_000,
  });
}

const QUERIES: Array<[string, Partial<ProcessQuery>]> = [
  ["default order, first page", {}],
  ["running, search 'houdini', by CPU", { status: "running", q: "houdini", sort: "cpu" }],
  ["search 'shot_1', by name", { q: "shot_1", sort: "name", dir: "asc" }],
  ["every record by memory", { sort: "memory" }],
  ["every record by running time", { sort: "runtime" }],
];

export async function benchFleetList(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "pm-bench-fleet-list-"));
  const store = await fleetStore(fleetLocation(path.join(home, "fleet.db")));
  try {
    const reader = new FleetSnapshotReader(() => Promise.resolve(store));
    const hosts: Array<{ secret: string; i: number; machineId: string; seq: number }> = [];
    const send = async (host: (typeof hosts)[number], change: Partial<Report>) => {
      const answer = await ingest(store, host.secret, deltaReport(host, facts, change), null);
      host.seq = answer.accepted;
      if (answer.change) reader.handOver(answer.change);
    };
    for (let i = 0; i < HOSTS; i += 1) {
      const enrolled = await enroll(store, { protocol: 1, hostId: crypto.randomUUID(), machineId: `m-${i}`, hostname: `ws-${i}` }, null);
      const host = { secret: enrolled.secret, i, machineId: `m-${i}`, seq: 0 };
      hosts.push(host);
      await send(host, { full: true, base: null, upserts: Array.from({ length: RECORDS }, (_, n) => record(i, n)) });
    }
    const fleet = new FleetProcesses(
      () => reader.read({ wait: true }),
      () => Promise.resolve(new Map()),
    );
    const kept = new WeakMap<ReportedProcess | object, FleetItem & { time: number }>();
    let round = 0;
    /** A fifth of the hosts report five changed records each, then the reading takes them. */
    const reports = async () => {
      round += 1;
      for (let k = 0; k < HOSTS / 5; k += 1) {
        const host = hosts[(round * 37 + k * 5) % HOSTS]!;
        await send(host, { upserts: Array.from({ length: 5 }, (_, c) => record(host.i, (round * 7 + c * 13) % RECORDS, round)) });
      }
      return reader.read({ wait: true });
    };

    console.log(`\nfleet list: ${HOSTS} hosts × ${RECORDS} records on SQLite, ${HOSTS / 5} hosts reporting between two views`);
    for (const [label, change] of QUERIES) {
      const query: ProcessQuery = { ...ALL, limit: PAGE_SIZE, ...change };
      const ours: number[] = [];
      const reference: number[] = [];
      let first = 0;
      for (let v = 0; v < VIEWS; v += 1) {
        const snapshot = await reports();
        const start = performance.now();
        const page = await fleet.list({ ...query, host: "" });
        const took = performance.now() - start;
        if (v === 0) first = took;
        else ours.push(took);
        // The reference: every record a row (kept per copy of a record from one view to the
        // next, as the hub kept them), in the default order, then the workstation's selection.
        const refStart = performance.now();
        const now = Date.now();
        const rows: Array<FleetItem & { time: number }> = [];
        for (const host of snapshot.hosts) {
          for (const p of snapshot.processes.get(host.name) ?? []) {
            let row = kept.get(p);
            if (!row) kept.set(p, (row = { host, view: toFleetView(p, host, now), reported: p, time: Date.parse(p.createdAt ?? "") }));
            rows.push(row);
          }
        }
        rows.sort((a, b) => b.time - a.time);
        const chosen = selectProcesses(rows, query);
        reference.push(performance.now() - refStart);
        if (chosen.total !== page.total) throw new Error(`${label}: ${page.total} matches, the reference ${chosen.total}`);
      }
      report(`${label}: first view / then, median`, `${ms(first)} / ${ms(median(ours))}`);
      report(`  reference (a row of every record, selectProcesses)`, `${ms(reference[0]!)} / ${ms(median(reference.slice(1)))}`);
    }
    // What the reference keeps besides the reading (the hub kept a row of every record it had listed).
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    const snapshot = await reader.read();
    gc();
    const before = process.memoryUsage().heapUsed;
    const now = Date.now();
    const rows = [...snapshot.processes.values()].flatMap((records) => records.map((p) => toFleetView(p, snapshot.hosts[0]!, now)));
    gc();
    report(
      `heap a row of every record takes (${rows.length} rows)`,
      `${((process.memoryUsage().heapUsed - before) / 2 ** 20).toFixed(0)} MiB`,
    );
  } finally {
    await closeFleetStore(store.location);
    fs.rmSync(home, { recursive: true, force: true });
  }
}
