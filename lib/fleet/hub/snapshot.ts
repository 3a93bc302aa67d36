import { hostFactsSchema, type HostFacts, type StoredProcess } from "../protocol";
import type { FleetStore } from "../store";
import { hostStatus, type HostStatus } from "./status";

/** A host as the pages and the API show it (never its secret). */
export interface FleetHostInfo {
  key: string;
  /** The agent's host id (a UUID kept in its data folder). */
  id: string;
  name: string;
  hostname: string;
  machineId: string;
  status: HostStatus;
  lastSeen: number | null;
  enrolledAt: number;
  intervalSeconds: number;
  address: string | null;
  facts: HostFacts | null;
  running: number;
  total: number;
  crashes24h: number;
  /** Other hosts of the fleet that report the same host id (a cloned disk image). */
  sharesIdWith: string[];
  revoked: boolean;
}

export interface FleetSnapshot {
  hosts: FleetHostInfo[];
  /** Per host name, newest first. */
  processes: ReadonlyMap<string, StoredProcess[]>;
  /** Every record of every host, newest first (the fleet table's default order). */
  all: Entry[];
  readAt: number;
}

interface CachedHost {
  processSeq: number;
  listSeq: number;
  byHash: Map<string, StoredProcess>;
  processes: StoredProcess[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Page renders and API calls within this long share one reading of the store. */
const REUSE_MS = 500;
/** A reading this young is served while a newer one is made. */
const STALE_MS = 2_000;
/**
 * Rows are re-read from a little before the last reading: a report's transaction may commit
 * (another hub instance, PostgreSQL) a moment after the time it stamped on its rows.
 */
const OVERLAP_MS = 2_000;

function parseJson<T>(text: string, parse: (value: unknown) => T | null): T | null {
  try {
    return parse(JSON.parse(text));
  } catch {
    return null;
  }
}

function isReported(value: unknown): value is StoredProcess {
  const v = value as Partial<StoredProcess> | null;
  return typeof v?.hash === "string" && typeof v.name === "string" && Array.isArray(v.args) && typeof v.status === "string";
}

/** Newest first, as the registry lists them (the list's default order). */
function newestFirst(a: StoredProcess, b: StoredProcess): number {
  // ISO 8601 UTC strings order as text (localeCompare would be ten times slower).
  const x = a.createdAt ?? "";
  const y = b.createdAt ?? "";
  if (x !== y) return x < y ? 1 : -1;
  return (b.startTime ?? 0) - (a.startTime ?? 0);
}

type Entry = { host: FleetHostInfo; process: StoredProcess };

/** Two newest-first lists as one, in one pass. */
function merge(a: Entry[], b: Entry[]): Entry[] {
  const out: Entry[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = newestFirst(a[i]!.process, b[j]!.process) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/**
 * What the hub knows, read from the store. A host's rows are read again only when a report
 * changed them (`process_seq`), and then only those updated since the last reading, unless
 * records went away (`list_seq`): a page over 30,000 records reads 300 host rows and the few
 * records that moved. Every hub instance keeps its own; the store is the truth.
 */
export class FleetSnapshotReader {
  private cache = new Map<string, CachedHost>();
  private last: FleetSnapshot | null = null;
  private reading: Promise<FleetSnapshot> | null = null;

  constructor(private readonly store: () => Promise<FleetStore>) {}

  /**
   * The latest reading: a fresh one is started when it is older than REUSE_MS, but a reading
   * younger than STALE_MS is answered at once meanwhile (stale-while-revalidate), so pages
   * do not wait for the store under a full fleet's reports (they say when they were updated).
   * `wait`: the API, whose callers may have just changed something, always gets a fresh one.
   */
  read({ wait = false }: { wait?: boolean } = {}): Promise<FleetSnapshot> {
    if (wait) return this.readAfter(Date.now());
    const age = this.last ? Date.now() - this.last.readAt : Infinity;
    if (age < REUSE_MS) return Promise.resolve(this.last!);
    const reading = this.reading ?? this.start();
    if (age < STALE_MS) {
      reading.catch(() => undefined);
      return Promise.resolve(this.last!);
    }
    return reading;
  }

  private readingFrom = 0;

  private start(): Promise<FleetSnapshot> {
    this.readingFrom = Date.now();
    const reading = this.readNow().finally(() => {
      if (this.reading === reading) this.reading = null;
    });
    this.reading = reading;
    return reading;
  }

  /** A reading begun no earlier than `asked` (what an API caller who just changed something needs). */
  private async readAfter(asked: number): Promise<FleetSnapshot> {
    for (;;) {
      if (this.last && this.last.readAt >= asked) return this.last;
      if (this.reading && this.readingFrom >= asked) return this.reading;
      if (this.reading) await this.reading.catch(() => undefined);
      else return this.start();
    }
  }

  /** The environments of some records (kept out of memory: read for the page or answer that shows them). */
  async environments(records: Array<{ hostKey: string; hash: string }>): Promise<Map<string, Record<string, string>>> {
    const found = new Map<string, Record<string, string>>();
    if (records.length === 0) return found;
    const { db } = await this.store();
    for (let i = 0; i < records.length; i += 100) {
      const rows = await db.fleetProcess.findMany({
        where: { OR: records.slice(i, i + 100).map(({ hostKey, hash }) => ({ hostKey, hash })) },
        select: { hostKey: true, hash: true, env: true },
      });
      for (const row of rows) {
        const env = parseJson(row.env, (v) => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, string>) : null));
        found.set(`${row.hostKey}/${row.hash}`, env ?? {});
      }
    }
    return found;
  }

  private async readRows(db: FleetStore["db"], keys: string[], since: number | null) {
    const rows: Array<{ hostKey: string; data: string }> = [];
    for (let i = 0; i < keys.length; i += 50) {
      rows.push(
        ...(await db.fleetProcess.findMany({
          where: { hostKey: { in: keys.slice(i, i + 50) }, ...(since === null ? {} : { updatedAt: { gte: since } }) },
          select: { hostKey: true, data: true },
        })),
      );
    }
    return rows;
  }

  private async readNow(): Promise<FleetSnapshot> {
    const { db } = await this.store();
    const now = Date.now();
    const rows = await db.fleetHost.findMany({ orderBy: { name: "asc" }, omit: { secretHash: true } });
    const whole = new Set(
      rows.filter((h) => {
        const cached = this.cache.get(h.key);
        return !cached || cached.listSeq !== h.listSeq;
      }),
    );
    const partial = new Set(
      rows.filter((h) => {
        const cached = this.cache.get(h.key);
        return cached && cached.listSeq === h.listSeq && cached.processSeq !== h.processSeq;
      }),
    );
    const next = new Map<string, CachedHost>();
    for (const host of rows) {
      const cached = this.cache.get(host.key);
      next.set(
        host.key,
        whole.has(host) || !cached
          ? { processSeq: host.processSeq, listSeq: host.listSeq, byHash: new Map(), processes: [] }
          : { ...cached, processSeq: host.processSeq },
      );
    }
    // A host whose report moved since the last reading changed rows after that reading began.
    const since = (this.last?.readAt ?? 0) - OVERLAP_MS;
    const changedRows = [
      ...(await this.readRows(
        db,
        [...whole].map((h) => h.key),
        null,
      )),
      ...(partial.size
        ? await this.readRows(
            db,
            [...partial].map((h) => h.key),
            since,
          )
        : []),
    ];
    const touched = new Set<CachedHost>();
    for (const row of changedRows) {
      // Validated when it was reported; here only a row damaged in the store is skipped.
      const parsed = parseJson(row.data, (v) => (isReported(v) ? v : null));
      const entry = next.get(row.hostKey);
      if (!parsed || !entry) continue;
      if (!touched.has(entry) && entry.byHash === this.cache.get(row.hostKey)?.byHash) entry.byHash = new Map(entry.byHash);
      entry.byHash.set(parsed.hash, parsed);
      touched.add(entry);
    }
    for (const entry of touched) entry.processes = [...entry.byHash.values()].sort(newestFirst);
    this.cache = next;

    const crashes = await db.fleetEvent.groupBy({
      by: ["hostKey"],
      where: { crashed: true, OR: [{ endedAt: { gte: (now - DAY_MS) / 1000 } }, { endedAt: null, receivedAt: { gte: now - DAY_MS } }] },
      _count: { _all: true },
    });
    const crashCount = new Map(crashes.map((c) => [c.hostKey, c._count._all]));
    const byId = new Map<string, string[]>();
    for (const host of rows) byId.set(host.hostId, [...(byId.get(host.hostId) ?? []), host.name]);

    const processes = new Map<string, StoredProcess[]>();
    const hosts = rows.map((row): FleetHostInfo => {
      const list = next.get(row.key)!.processes;
      processes.set(row.name, list);
      return {
        key: row.key,
        id: row.hostId,
        name: row.name,
        hostname: row.hostname,
        machineId: row.machineId,
        status: row.revokedAt !== null ? "offline" : hostStatus(row.lastSeen, row.intervalS, now),
        lastSeen: row.lastSeen,
        enrolledAt: row.enrolledAt,
        intervalSeconds: row.intervalS,
        address: row.lastAddress,
        facts: parseJson(row.facts, (v) => hostFactsSchema.safeParse(v).data ?? null),
        running: list.filter((p) => p.status !== "stopped").length,
        total: list.length,
        crashes24h: crashCount.get(row.key) ?? 0,
        sharesIdWith: (byId.get(row.hostId) ?? []).filter((n) => n !== row.name),
        revoked: row.revokedAt !== null,
      };
    });
    const byKey = new Map(hosts.map((h) => [h.key, h]));
    const moved = new Set([...whole, ...partial].map((h) => h.key));
    const entriesOf = (list: FleetHostInfo[]) =>
      list
        .flatMap((host) => (processes.get(host.name) ?? []).map((process) => ({ host, process })))
        .sort((a, b) => newestFirst(a.process, b.process));
    let all: Entry[];
    if (!this.last || moved.size > hosts.length / 2) {
      all = entriesOf(hosts);
    } else {
      // Most hosts did not move: keep their entries in order (with fresh host facts) and
      // merge in the few that did, rather than sorting 30,000 records again.
      const kept: Entry[] = [];
      for (const entry of this.last.all) {
        const host = byKey.get(entry.host.key);
        if (host && !moved.has(host.key)) kept.push({ host, process: entry.process });
      }
      all = merge(kept, entriesOf(hosts.filter((h) => moved.has(h.key))));
    }
    this.last = { hosts, processes, all, readAt: now };
    return this.last;
  }
}
