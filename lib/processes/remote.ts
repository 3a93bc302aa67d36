import type { FleetHostInfo, FleetSnapshot } from "../fleet/hub/snapshot";
import type { StoredProcess } from "../fleet/protocol";
import { secondsToIso, type ProcessJson } from "../registry/json";
import { isProcessHash } from "../registry/hash";
import { ALL, selectProcesses, type ProcessQuery, type Selection } from "./query";
import type { ProcessView } from "./status";

/** A host as a row of the fleet table carries it. */
export type FleetHostRef = Pick<FleetHostInfo, "key" | "name" | "status" | "lastSeen">;

/** A record of the fleet: as its host last reported it. */
export interface FleetItem {
  host: FleetHostRef;
  view: ProcessView;
  reported: StoredProcess;
}

/** The JSON record (SPEC) plus where it runs and when that was last reported. */
export interface FleetProcessJson extends ProcessJson {
  host: string;
  cpuPercent: number | null;
  rssBytes: number | null;
  outputSize: number | null;
  /** ISO time of the host's last report: what this record says is as of then. */
  asOf: string | null;
}

export interface FleetList extends Selection<FleetItem> {
  generatedAt: number;
}

export interface FleetProcessDetail {
  host: FleetHostInfo;
  process: ProcessView;
  record: FleetProcessJson;
  env: Record<string, string>;
}

export interface FleetQuery extends ProcessQuery {
  /** A host's fleet name; "" for every host. */
  host: string;
}

/** The moment a host's report describes: now while it reports, else its last report. */
function referenceTime(host: FleetHostRef): number {
  return host.status === "online" || host.lastSeen === null ? Date.now() : host.lastSeen;
}

const isLive = (p: StoredProcess) => p.status !== "stopped" && p.status !== "children";

function runtimeOf(p: StoredProcess, host: FleetHostRef): number | null {
  const end = isLive(p) ? referenceTime(host) / 1000 : p.endedAt;
  return p.startTime !== null && end !== null ? Math.max(0, end - p.startTime) : null;
}

export function toFleetView(p: StoredProcess, host: FleetHostRef): ProcessView {
  return {
    hash: p.hash,
    name: p.name,
    pid: p.pid,
    executable: p.executable,
    currentExecutable: p.currentExecutable,
    args: p.args,
    cwd: p.cwd,
    status: p.status,
    exitCode: p.exitCode,
    exitSignal: p.exitSignal,
    stopSignal: p.stopSignal,
    exitObserved: p.exitObserved,
    startTime: p.startTime,
    endedAt: p.endedAt,
    createdAt: p.createdAt,
    runtime: runtimeOf(p, host),
    cpuPercent: p.cpuPercent,
    rssBytes: p.rssBytes,
    outputFile: p.outputFile,
    outputSize: p.outputSize,
    outputGrowth: null,
    runawayOutput: p.runawayOutput,
    liveChildren: p.liveChildren,
    warnings: p.warnings,
  };
}

export function toFleetJson(p: StoredProcess, env: Record<string, string>, host: FleetHostRef): FleetProcessJson {
  return {
    hash: p.hash,
    name: p.name,
    executable: p.executable,
    args: p.args,
    env,
    cwd: p.cwd,
    pid: p.pid,
    outputFile: p.outputFile,
    startTime: p.startTime,
    createdAt: p.createdAt,
    running: p.status !== "stopped" && p.status !== "children",
    status: p.status === "children" ? "stopped" : p.status,
    ...(p.currentExecutable ? { currentExecutable: p.currentExecutable } : {}),
    exitCode: p.exitCode,
    exitSignal: p.exitSignal,
    endedAt: secondsToIso(p.endedAt),
    stoppedBy: p.stopSignal ? "user" : null,
    stopSignal: p.stopSignal,
    exitObserved: p.exitObserved,
    warnings: p.warnings,
    host: host.name,
    cpuPercent: p.cpuPercent,
    rssBytes: p.rssBytes,
    outputSize: p.outputSize,
    asOf: host.lastSeen === null ? null : new Date(host.lastSeen).toISOString(),
  };
}

/**
 * The fleet's processes, as the hosts last reported them: the same list, filter, search,
 * sort and paging as a workstation's (`selectProcesses`), with a host filter. Read-only: a
 * workstation's registry stays its own.
 */
export class FleetProcesses {
  constructor(
    private readonly snapshot: () => Promise<FleetSnapshot>,
    private readonly environments: (records: Array<{ hostKey: string; hash: string }>) => Promise<Map<string, Record<string, string>>>,
  ) {}

  /**
   * Items are built once per reading of the store, and a record's view once per report of it:
   * a later reading only brings its running time up to date.
   */
  private items = new WeakMap<FleetSnapshot, FleetItem[]>();
  private views = new WeakMap<StoredProcess, ProcessView>();

  private itemsOf(snapshot: FleetSnapshot): FleetItem[] {
    let items = this.items.get(snapshot);
    if (!items) {
      items = snapshot.all.map(({ host, process }) => {
        let view = this.views.get(process);
        if (!view) {
          view = toFleetView(process, host);
          this.views.set(process, view);
        } else if (isLive(process)) {
          view.runtime = runtimeOf(process, host);
        }
        return { host, view, reported: process };
      });
      this.items.set(snapshot, items);
    }
    return items;
  }

  /** The JSON records of some listed items, environments included (one read of the store). */
  async json(items: FleetItem[]): Promise<FleetProcessJson[]> {
    const envs = await this.environments(items.map((i) => ({ hostKey: i.host.key, hash: i.reported.hash })));
    return items.map((i) => toFleetJson(i.reported, envs.get(`${i.host.key}/${i.reported.hash}`) ?? {}, i.host));
  }

  async hosts(): Promise<FleetHostInfo[]> {
    return (await this.snapshot()).hosts;
  }

  async host(name: string): Promise<FleetHostInfo | null> {
    return (await this.snapshot()).hosts.find((h) => h.name === name) ?? null;
  }

  async list(query: FleetQuery = { ...ALL, host: "" }): Promise<FleetList> {
    const snapshot = await this.snapshot();
    // Newest first across hosts, as on a workstation (the snapshot keeps that order).
    const all = this.itemsOf(snapshot);
    const items = query.host ? all.filter((item) => item.host.name === query.host) : all;
    return { ...selectProcesses(items, query), generatedAt: snapshot.readAt };
  }

  /** One record of one host; null for an unknown host, a malformed hash or no such record. */
  async detail(hostName: string, hash: string): Promise<FleetProcessDetail | null> {
    if (!isProcessHash(hash)) return null;
    const snapshot = await this.snapshot();
    const host = snapshot.hosts.find((h) => h.name === hostName);
    const reported = host ? snapshot.processes.get(host.name)?.find((p) => p.hash === hash) : undefined;
    if (!host || !reported) return null;
    const env = (await this.environments([{ hostKey: host.key, hash }])).get(`${host.key}/${hash}`) ?? {};
    return { host, process: toFleetView(reported, host), record: toFleetJson(reported, env, host), env };
  }
}
