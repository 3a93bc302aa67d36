import "server-only";
import { cache } from "react";
import { pageQuery, type FleetPageState } from "../processes/query-params";
import type { FleetHostInfo } from "./hub/snapshot";
import { hasTag } from "./hub/records";
import { currentRole } from "../auth/role";
import { fleet } from "./hub/server";
import { INITIAL_TAIL_BYTES } from "../processes/local";
import { ROW_ARGS, shownView, type ProcessView } from "../processes/status";
import { canAsk, unaskable, type HostStatus } from "./hub/status";
import type { StatusCounts } from "../processes/query";
import type { InspectAnswer } from "./protocol";

export type FleetRow = ProcessView & { host: { name: string; status: HostStatus } };

export interface FleetListPage {
  rows: FleetRow[];
  total: number;
  counts: StatusCounts;
  page: number;
  pages: number;
  generatedAt: number;
}

/**
 * Rows per page of the fleet's process table: half a workstation's list. Each row costs the
 * hub a few milliseconds of rendering while hundreds of hosts report; 50 keeps a page fast.
 */
export const FLEET_PAGE_SIZE = 50;

/** One page of the fleet's process table; a page past the end shows the last one. */
export async function getFleetListPage(state: FleetPageState): Promise<FleetListPage> {
  const records = fleet().processes();
  const query = (s: FleetPageState) => ({ ...pageQuery(s, FLEET_PAGE_SIZE), host: s.host, tag: s.tag });
  let list = await records.list(query(state));
  const pages = Math.max(1, Math.ceil(list.total / FLEET_PAGE_SIZE));
  const page = Math.min(state.page, pages);
  if (page !== state.page) list = await records.list(query({ ...state, page }));
  return {
    rows: list.items.map((i) => ({ ...shownView(i.view, ROW_ARGS), host: { name: i.host.name, status: i.host.status } })),
    total: list.total,
    counts: list.counts,
    page,
    pages,
    generatedAt: list.generatedAt,
  };
}

/** The hosts and when the hub read them (what "Updated … ago" says). */
export const getFleetOverview = cache(() => fleet().processes().overview());
export const getFleetHost = cache((name: string) => fleet().processes().host(name));
export const getFleetProcess = cache((host: string, hash: string) => fleet().processes().detail(host, hash));

/** Hosts listed on /fleet before "show all": a studio of 300 sees the ones that need a look. */
export const HOSTS_SHOWN = 40;

const STATUS_RANK = { offline: 0, stale: 1, online: 2 } as const;

/** A host's load per core (its 1-minute load over its cores), for sorting by load; -1 when it has not said. */
export function loadPerCore(host: FleetHostInfo): number {
  const load = host.facts?.load[0];
  return load === undefined || !host.facts?.cores ? -1 : load / host.facts.cores;
}

const HOST_ORDER = {
  name: (a: FleetHostInfo, b: FleetHostInfo) => a.name.localeCompare(b.name),
  load: (a: FleetHostInfo, b: FleetHostInfo) => loadPerCore(b) - loadPerCore(a) || a.name.localeCompare(b.name),
  crashes: (a: FleetHostInfo, b: FleetHostInfo) => b.crashes24h - a.crashes24h || a.name.localeCompare(b.name),
} as const;

/** The host table's rows: those with `tag` if given, in the asked order (name, load, crashes). */
export function orderHosts(hosts: FleetHostInfo[], by: keyof typeof HOST_ORDER, tag = ""): FleetHostInfo[] {
  return hosts.filter((h) => !tag || hasTag(h, tag)).sort(HOST_ORDER[by]);
}

/** Offline and stale hosts first, then those with crashes, then by name; the selected one always; shown in the asked order. */
export function hostsNeedingAttention(
  hosts: FleetHostInfo[],
  limit: number,
  selected: string,
  by: keyof typeof HOST_ORDER = "name",
): FleetHostInfo[] {
  const ranked = [...hosts].sort(
    (a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || b.crashes24h - a.crashes24h || a.name.localeCompare(b.name),
  );
  const shown = ranked.slice(0, limit);
  const chosen = hosts.find((h) => h.name === selected);
  if (chosen && !shown.includes(chosen)) shown.push(chosen);
  return shown.sort(HOST_ORDER[by]);
}

/** One page (100 entries) of the hub's audit log. */
export async function getAuditPage(page: number) {
  return fleet().audit({ limit: 100, offset: (page - 1) * 100 });
}

/** A remote record's output page: its last screenful, read on the workstation by its agent. */
export async function getFleetOutputPage(hostName: string, hash: string) {
  const detail = await fleet().processes({ fresh: true }).detail(hostName, hash);
  if (!detail) return null;
  const away = unreachable(detail.host, "its output can be read through the hub while it reports");
  if (away) return { detail, tail: null, problem: away };
  try {
    const range = await fleet().range(
      hostName,
      hash,
      { length: INITIAL_TAIL_BYTES, align: "lines" },
      { role: await currentRole(), address: null },
    );
    const text = new TextDecoder().decode(range.bytes);
    return { detail, tail: { start: range.start, end: range.end, size: range.size, text }, problem: null };
  } catch (error) {
    return { detail, tail: null, problem: (error as Error).message };
  }
}

/** Why a host's agent cannot be asked now (it does not report, or it is revoked), said with what would be read; null when it can. */
function unreachable(host: Pick<FleetHostInfo, "name" | "status" | "revoked">, what: string): string | null {
  return canAsk(host) ? null : `${unaskable(host)}: ${what}.`;
}

/** What a remote record's page shows that only its workstation knows, or why it cannot be had now. */
export type FleetInsight = { parts: InspectAnswer; problem: null } | { parts: null; problem: string };

/**
 * A remote record's child processes, sampled usage and output's last lines, read on its
 * workstation by its agent (cached per request: the page's sections share one). The page is
 * drawn without them and they stream in; a host that does not report says so instead.
 */
export const getFleetInsight = cache(async (hostName: string, hash: string): Promise<FleetInsight> => {
  const detail = await getFleetProcess(hostName, hash);
  if (!detail) return { parts: null, problem: "This record is no longer reported." };
  const away = unreachable(detail.host, "this is read on the workstation through its agent while it reports");
  if (away) return { parts: null, problem: away };
  try {
    return { parts: await fleet().inspect(hostName, hash, { role: await currentRole(), address: null }), problem: null };
  } catch (error) {
    return { parts: null, problem: (error as Error).message };
  }
});

/** The hub's launch form: every workstation by name, with whether it takes launches from the hub now. */
export async function getLaunchTargets() {
  const hosts = await fleet().processes().hosts();
  return hosts
    .filter((h) => !h.revoked)
    .map((h) => ({ name: h.name, status: h.status, allowed: h.remoteLaunch }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
