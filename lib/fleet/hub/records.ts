import type { FleetHostInfo, FleetSnapshot } from "./snapshot";
import type { StoredProcess } from "../protocol";
import { FleetError, NOT_IN_FLEET } from "./errors";
import { jsonOf, type ProcessJson } from "../../registry/json";
import { isProcessHash } from "../../registry/hash";
import { ALL, recordFilter, type ProcessQuery, type Selection } from "../../processes/query";
import type { ProcessView } from "../../processes/status";
import { toFleetView, withRuntime, type FleetHostRef, type FleetItem } from "./view";

export type { FleetHostRef, FleetItem } from "./view";

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
  /** Only the hosts with this tag; "" (or absent) for every host. */
  tag?: string;
}

/** Whether a host carries a tag (its agent's PROCESS_MONITOR_HOST_TAGS). */
export function hasTag(host: Pick<FleetHostInfo, "facts">, tag: string): boolean {
  return (host.facts?.tags ?? []).includes(tag);
}

export function toFleetJson(p: StoredProcess, env: Record<string, string>, host: FleetHostRef): FleetProcessJson {
  // A host's "children running" is, in the registry's words, stopped (its process is gone).
  const status = p.status === "children" ? "stopped" : p.status;
  return {
    ...jsonOf({ ...p, env, status }, p.exitObserved, {
      // Stored before end records were reported: none.
      peakMemoryBytes: p.peakMemoryBytes ?? null,
      cpuSeconds: p.cpuSeconds ?? null,
      endReason: p.endReason ?? null,
      user: p.user ?? null,
    }),
    host: host.name,
    cpuPercent: p.cpuPercent,
    rssBytes: p.rssBytes,
    outputSize: p.outputSize,
    asOf: host.lastSeen === null ? null : new Date(host.lastSeen).toISOString(),
  };
}

/**
 * The fleet's processes, as the hosts last reported them: the same list, filter, search,
 * sort and paging as a workstation's (`recordFilter`, `sortedPage`), with host and tag filters. Read-only: a
 * workstation's registry stays its own.
 */
export class FleetProcesses {
  constructor(
    private readonly snapshot: () => Promise<FleetSnapshot>,
    private readonly environments: (records: Array<{ hostKey: string; hash: string }>) => Promise<Map<string, Record<string, string>>>,
  ) {}

  /** The JSON records of some listed items, environments included (one read of the store). */
  async json(items: FleetItem[]): Promise<FleetProcessJson[]> {
    const envs = await this.environments(items.map((i) => ({ hostKey: i.host.key, hash: i.reported.hash })));
    return items.map((i) => toFleetJson(i.reported, envs.get(`${i.host.key}/${i.reported.hash}`) ?? {}, i.host));
  }

  async overview(): Promise<{ hosts: FleetHostInfo[]; readAt: number }> {
    const { hosts, readAt } = await this.snapshot();
    return { hosts, readAt };
  }

  async hosts(): Promise<FleetHostInfo[]> {
    return (await this.snapshot()).hosts;
  }

  async host(name: string): Promise<FleetHostInfo | null> {
    return (await this.snapshot()).hosts.find((h) => h.name === name) ?? null;
  }

  /** The status of every record of the fleet as last reported, read off the reading (no views copied, unlike `list`). */
  async statuses(): Promise<Array<ProcessView["status"]>> {
    const statuses: Array<ProcessView["status"]> = [];
    for (const records of (await this.snapshot()).processes.values()) for (const p of records) statuses.push(p.status);
    return statuses;
  }

  /** A host of the fleet by name; NOT_FOUND when there is none. */
  async hostNamed(name: string): Promise<FleetHostInfo> {
    const host = await this.host(name);
    if (!host) throw new FleetError("NOT_FOUND", NOT_IN_FLEET.host(name));
    return host;
  }

  /** One record of one host, as `detail`; NOT_FOUND, saying which is missing, when there is none. */
  async record(hostName: string, hash: string): Promise<FleetProcessDetail> {
    await this.hostNamed(hostName);
    const detail = await this.detail(hostName, hash);
    if (!detail) throw new FleetError("NOT_FOUND", NOT_IN_FLEET.record(hostName, hash));
    return detail;
  }

  async list(query: FleetQuery = { ...ALL, host: "" }): Promise<FleetList> {
    const snapshot = await this.snapshot();
    const now = Date.now();
    const tag = query.tag ?? "";
    const counted = snapshot.hosts.filter((h) => (!query.host || h.name === query.host) && (!tag || hasTag(h, tag)));
    const everyHost = counted.length === snapshot.hosts.length;
    const hosts = everyHost ? undefined : new Set(counted.map((h) => h.key));
    const { items, total } = snapshot.select({ query, hosts, filter: recordFilter(query) });
    // Each host's reading already counted its records (the filter tabs' numbers).
    const all = counted.reduce((n, h) => n + h.total, 0);
    const running = counted.reduce((n, h) => n + h.running, 0);
    const failed = counted.reduce((n, h) => n + h.failed, 0);
    return {
      // Running times move on between readings: brought up to date for the rows shown.
      items: items.map((item) => withRuntime(item, now)),
      total,
      counts: { all, running, failed, stopped: all - running },
      generatedAt: snapshot.readAt,
    };
  }

  /** One record of one host; null for an unknown host, a malformed hash or no such record. */
  async detail(hostName: string, hash: string): Promise<FleetProcessDetail | null> {
    if (!isProcessHash(hash)) return null;
    const snapshot = await this.snapshot();
    const host = snapshot.hosts.find((h) => h.name === hostName);
    const reported = host ? snapshot.processes.get(host.name)?.find((p) => p.hash === hash) : undefined;
    if (!host || !reported) return null;
    const env = (await this.environments([{ hostKey: host.key, hash }])).get(`${host.key}/${hash}`) ?? {};
    return { host, process: toFleetView(reported, host, Date.now()), record: toFleetJson(reported, env, host), env };
  }
}
