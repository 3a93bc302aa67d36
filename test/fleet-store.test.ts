import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetLocation } from "@/lib/db/fleet-client";
import { enroll, revokeHost } from "@/lib/fleet/hub/enroll";
import { FleetError } from "@/lib/fleet/hub/errors";
import { STATUS_OF } from "@/lib/api/respond";
import { ingest } from "@/lib/fleet/hub/ingest";
import { FleetSnapshotReader } from "@/lib/fleet/hub/snapshot";
import type { HostFacts, Report, ReportedProcess } from "@/lib/fleet/protocol";
import { closeFleetStore, fleetStore, type FleetStore } from "@/lib/fleet/store";
import { tempDir } from "./support/temp";
import { FleetProcesses, type FleetList } from "@/lib/fleet/hub/records";
import { ALL, selectProcesses } from "@/lib/processes/query";
import { postgresBin, startPostgres, type RunningPostgres } from "./support/postgres";
import { deltaReport, reportedProcess } from "./support/reported";

// The hub's store and its reading, on a real SQLite file and a real PostgreSQL server: what
// reports do to the store, and that the reading kept up to date report by report orders the
// fleet exactly as a reading made from nothing does.

const facts: HostFacts = {
  hostname: "ws",
  platform: "linux",
  release: "6.1",
  arch: "x64",
  cores: 8,
  memTotalBytes: 2 ** 34,
  memUsedBytes: 2 ** 33,
  load: [1, 1, 1],
  uptimeSeconds: 100,
  agentVersion: "test",
  tags: [],
};

function record(host: number, n: number, change: Partial<ReportedProcess> = {}): ReportedProcess {
  return reportedProcess({
    hash: crypto.createHash("sha256").update(`${host}/${n}`).digest("hex"),
    name: `job-${host}-${n}`,
    pid: 1000 + n,
    args: ["600"],
    env: { SHOT: `sh${n}` },
    startTime: 1_000 + n,
    // Several records share a creation time: the start time orders those.
    createdAt: new Date(Date.UTC(2026, 10, 25, 10, 0, Math.floor(n / 2), host)).toISOString(),
    cpuPercent: 10,
    ...change,
  });
}

interface Host {
  secret: string;
  machineId: string;
  seq: number;
}

async function newHost(store: FleetStore, i: number, prefix = "ws"): Promise<Host> {
  const answer = await enroll(store, { protocol: 1, hostId: crypto.randomUUID(), machineId: `m-${i}`, hostname: `${prefix}-${i}` }, null);
  return { secret: answer.secret, machineId: `m-${i}`, seq: 0 };
}

function report(host: Host, change: Partial<Report>): Report {
  return deltaReport(host, facts, change);
}

async function send(store: FleetStore, host: Host, change: Partial<Report>) {
  const answer = await ingest(store, host.secret, report(host, change), null);
  host.seq = answer.accepted;
  return answer;
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FleetError) return { status: STATUS_OF[error.code], code: error.code };
    throw error;
  }
  throw new Error("the report was accepted");
}

/** The fleet table's default listing (newest first) of the ws-* hosts, and its counts. */
async function listing(reader: FleetSnapshotReader) {
  const fleet = new FleetProcesses(
    () => reader.read({ wait: true }),
    () => Promise.resolve(new Map()),
  );
  const items = (await fleet.list({ ...ALL, host: "" })).items.filter((i) => i.host.name.startsWith("ws-"));
  const running = items.filter((i) => i.view.status !== "stopped").length;
  return {
    rows: items.map((i) => `${i.host.name}/${i.view.name}/${i.view.cpuPercent}`),
    counts: { all: items.length, running, stopped: items.length - running },
  };
}

/**
 * A page of the default order (merged from the hosts' own lists, only as far as the page goes)
 * is that page of the whole order, with the whole count; so is a page of one host.
 */
async function samePages(reader: FleetSnapshotReader) {
  const fleet = new FleetProcesses(
    () => reader.read({ wait: true }),
    () => Promise.resolve(new Map()),
  );
  const rows = (list: FleetList) => list.items.map((i) => `${i.host.name}/${i.reported.hash}`);
  for (const host of ["", "ws-11"]) {
    const whole = await fleet.list({ ...ALL, host });
    const page = await fleet.list({ ...ALL, host, offset: 5, limit: 7 });
    expect(rows(page)).toEqual(rows(whole).slice(5, 12));
    expect(page.total).toBe(whole.total);
    expect(page.counts).toEqual(whole.counts);
    // Sorted another way, the page comes from the whole order.
    const oldest = await fleet.list({ ...ALL, host, dir: "asc", offset: 0, limit: 3 });
    expect(rows(oldest)).toEqual(rows(whole).reverse().slice(0, 3));
    // Filtered, searched and sorted: the rows and count a workstation's list would give of the
    // whole listing. A host's matches of its last filter are kept until its records change: the
    // first query here is the last one of the previous call, so after the reports in between it
    // is answered from what was kept for the hosts that did not report, and afresh for the others.
    for (const change of [
      { status: "running", sort: "cpu", dir: "desc" },
      { status: "stopped", q: "job", sort: "name", dir: "asc" },
      { q: "JOB-1", sort: "cpu", dir: "asc" },
      { q: "-1", sort: "status", dir: "desc" },
      { status: "failed" },
      { q: "no such record" },
      { status: "running", sort: "cpu", dir: "desc" },
    ] as const) {
      const query = { ...ALL, host, ...change };
      const reference = selectProcesses(whole.items, { ...query, offset: 2, limit: 5 });
      const page = await fleet.list({ ...query, offset: 2, limit: 5 });
      expect(rows(page)).toEqual(rows({ ...whole, items: reference.items }));
      expect(page.total).toBe(reference.total);
      expect(page.counts).toEqual(whole.counts);
    }
  }
}

const stores: Array<[string, () => Promise<string>]> = [["SQLite", async () => path.join(tempDir("pm-fleet-store-"), "fleet.db")]];
let pg: RunningPostgres | null = null;
if (postgresBin() || process.env.CI) {
  stores.push([
    "PostgreSQL",
    async () => {
      pg ??= await startPostgres();
      return pg.url;
    },
  ]);
}
afterAll(async () => {
  await pg?.stop();
});

it("lets a process that has nothing else to wait for go on past the SQLite store's close (its checkpoint thread ends first)", () => {
  // Before, the thread was let go of while it took its last checkpoint: a script or a bench
  // ended inside closeFleetStore (exit code 13) and never removed its folder.
  const dir = tempDir("pm-fleet-close-");
  const fixture = path.join(import.meta.dirname, "fixtures", "close-fleet-store.ts");
  const run = spawnSync(process.execPath, ["--import", "tsx", fixture, dir], { encoding: "utf8", timeout: 60_000 });
  expect(run.stderr).toBe("");
  expect(run.stdout.trim()).toBe("closed; folder left: false");
  expect(run.status).toBe(0);
});

describe.each(stores)("the fleet store on %s", (_label, locate) => {
  let store: FleetStore;
  beforeAll(async () => {
    store = await fleetStore(fleetLocation(await locate()));
  });
  afterAll(async () => {
    await closeFleetStore(store.location);
  });

  it("takes deltas that build on the last report, and refuses a stale base, a wrong secret, a clone and a revoked host", async () => {
    const host = await newHost(store, 1, "lone");
    await send(store, host, { full: true, base: null, upserts: [record(1, 0), record(1, 1)] });
    // A record sent twice counts once, as its last copy; an exit is new only the first time.
    const exit = { hash: record(1, 1).hash, name: "job-1-1", exitCode: 3, exitSignal: null, stopSignal: null, endedAt: 2_000 };
    const first = await send(store, host, {
      upserts: [record(1, 0, { cpuPercent: 50 }), record(1, 0, { cpuPercent: 70 })],
      removed: [],
      events: [exit],
    });
    expect(first.newEvents.map((e) => e.hash)).toEqual([exit.hash]);
    const again = await send(store, host, { upserts: [record(1, 2)], events: [exit] });
    expect(again.newEvents).toEqual([]);
    const rows = await store.db.fleetProcess.findMany({ where: { hash: record(1, 0).hash } });
    expect(rows.map((r) => JSON.parse(r.data).cpuPercent)).toEqual([70]);
    expect(await store.db.fleetEvent.count({ where: { hash: exit.hash } })).toBe(1);

    // A removal goes; the host row says which report it has.
    await send(store, host, { removed: [record(1, 2).hash] });
    expect(await store.db.fleetProcess.count({ where: { hostKey: host.secret.split(".")[0] } })).toBe(2);
    expect((await store.db.fleetHost.findUnique({ where: { key: host.secret.split(".")[0] } }))?.seq).toBe(host.seq);

    const stale = report(host, { base: host.seq - 1, upserts: [record(1, 9)] });
    expect(await refusal(ingest(store, host.secret, stale, null))).toEqual({ status: 409, code: "NEED_FULL" });
    const wrong = `${host.secret.slice(0, -4)}AAAA`;
    expect(await refusal(ingest(store, wrong, report(host, {}), null))).toEqual({ status: 401, code: "UNKNOWN_HOST" });
    expect(await refusal(ingest(store, host.secret, { ...report(host, {}), machineId: "another" }, null))).toEqual({
      status: 409,
      code: "CLONE",
    });
    // Nothing of a refused report was written.
    expect(await store.db.fleetProcess.count({ where: { hash: record(1, 9).hash } })).toBe(0);

    const name = (await store.db.fleetHost.findUnique({ where: { key: host.secret.split(".")[0] } }))!.name;
    expect(await revokeHost(store, name)).toBe(true);
    expect(await refusal(ingest(store, host.secret, report(host, { upserts: [record(1, 9)] }), null))).toEqual({
      status: 403,
      code: "REVOKED",
    });
    expect(await store.db.fleetProcess.count({ where: { hash: record(1, 9).hash } })).toBe(0);
  });

  it("keeps a host with the agent process that reported first: a newcomer waits, takes over after the holder's silence, or is refused as a clone once the holder reports again", async () => {
    const host = await newHost(store, 2, "held");
    const key = host.secret.split(".")[0]!;
    const row = () => store.db.fleetHost.findUniqueOrThrow({ where: { key } });
    const as = (instance: string, change: Partial<Report> = {}) => send(store, host, { instance, ...change });
    const refusedAs = (instance: string) => refusal(ingest(store, host.secret, report(host, { instance }), null));
    // Moves the row's clock back: the holder silent for `ms`, or a rival that appeared `ms` ago.
    const silentFor = (ms: number) => store.db.fleetHost.update({ where: { key }, data: { lastSeen: Date.now() - ms } });
    const rivalFor = (ms: number) => store.db.fleetHost.update({ where: { key }, data: { rivalSince: Date.now() - ms } });

    await as("original", { full: true, base: null, upserts: [record(2, 0)] });
    expect((await row()).instance).toBe("original");
    // A restart: the next process waits while the first may still be alive, then takes over.
    expect(await refusedAs("restarted")).toEqual({ status: 409, code: "TAKEOVER_WAIT" });
    await silentFor(60_000);
    await as("restarted");
    expect(await row()).toMatchObject({ instance: "restarted", prevInstance: "original", rivalInstance: null, sharedSecretAt: null });
    // A process that says it stops is replaced at once.
    await as("restarted", { leaving: true });
    expect((await row()).instance).toBeNull();
    await as("after-upgrade");
    expect(await row()).toMatchObject({ instance: "after-upgrade", sharedSecretAt: null });

    // A full clone appears beside it: it waits; the holder reports again; the clone is refused from then on.
    expect(await refusedAs("clone")).toEqual({ status: 409, code: "TAKEOVER_WAIT" });
    expect((await row()).rivalInstance).toBe("clone");
    await rivalFor(5_000);
    await as("after-upgrade", { upserts: [record(2, 1)] });
    expect((await row()).sharedSecretAt).not.toBeNull();
    expect(await refusedAs("clone")).toEqual({ status: 409, code: "CLONE" });
    // Still refused once the holder falls silent: a proven clone never takes the host by waiting.
    await silentFor(60_000);
    expect(await refusedAs("clone")).toEqual({ status: 409, code: "CLONE" });
    const held = await row();
    expect(held.instance).toBe("after-upgrade");
    expect(await store.db.fleetProcess.count({ where: { hostKey: key } })).toBe(2);
    // The holder goes on; nothing of the clone's was written, and it is not flagged again without a new overlap.
    await as("after-upgrade");
    expect((await row()).sharedSecretAt).toBe(held.sharedSecretAt);
  });

  it("keeps the fleet-wide order report by report exactly as a reading made from nothing, handed what was accepted or not", async () => {
    const hosts = await Promise.all([10, 11, 12].map((i) => newHost(store, i)));
    // `reader` is the hub's own: told what each report accepted on its instance made of the rows
    // (as the door does), so that it need not read them back. `unhanded` is another instance's.
    const reader = new FleetSnapshotReader(() => Promise.resolve(store));
    const unhanded = new FleetSnapshotReader(() => Promise.resolve(store));
    const hand = async (host: Host, change: Partial<Report>, { lost = false } = {}) => {
      const answer = await send(store, host, change);
      if (answer.change && !lost) reader.handOver(answer.change);
      return answer;
    };
    const check = async () => {
      const fresh = new FleetSnapshotReader(() => Promise.resolve(store));
      const [kept, other, made] = await Promise.all([listing(reader), listing(unhanded), listing(fresh)]);
      expect(kept).toEqual(made);
      expect(other).toEqual(made);
      await samePages(reader);
      return kept;
    };
    for (const [i, host] of hosts.entries()) {
      await hand(host, { full: true, base: null, upserts: Array.from({ length: 20 }, (_, n) => record(10 + i, n)) });
    }
    const start = await check();
    expect(start.counts).toEqual({ all: 60, running: 60, stopped: 0 });

    // New records, changed ones (some stopped), a removal, and a host sending its whole list
    // again with fewer records; the order is asked for after some readings and not others. One
    // change is never handed (written, then lost before it was told): the row says so, and the
    // reading takes that host from the store.
    await hand(hosts[0]!, { upserts: [record(10, 20), record(10, 3, { cpuPercent: 99 })] });
    await reader.read({ wait: true });
    await hand(hosts[1]!, {
      upserts: [record(11, 5, { status: "stopped", exitCode: 4, endedAt: 3_000 })],
      removed: [record(11, 6).hash],
    });
    await check();
    await hand(hosts[2]!, { full: true, base: null, upserts: Array.from({ length: 8 }, (_, n) => record(12, n * 2)) });
    await hand(hosts[0]!, { upserts: [record(10, 21, { createdAt: "2026-11-25T09:00:00.000Z" })] }, { lost: true });
    await reader.read({ wait: true });
    await hand(hosts[0]!, { upserts: [record(10, 3, { cpuPercent: 1 })] });
    await hand(hosts[1]!, { upserts: [record(11, 7, { cpuPercent: 42 })] });
    await hand(hosts[1]!, { upserts: [record(11, 8, { cpuPercent: 43 })] });
    const end = await check();
    expect(end.counts).toEqual({ all: 22 + 19 + 8, running: 22 + 18 + 8, stopped: 1 });
    expect(end.rows).toContain("ws-10/job-10-3/1");
    expect(end.rows).toContain("ws-11/job-11-8/43");
    expect(end.rows).not.toContain("ws-11/job-11-6/10");
    // Newest first: the record made an hour earlier is last.
    expect(end.rows.at(-1)).toBe("ws-10/job-10-21/10");
  });
});
