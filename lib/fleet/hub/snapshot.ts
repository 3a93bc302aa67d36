import { sortableOf, toFleetView, type FleetHostRef, type FleetItem } from "./view";
import { isoToSeconds } from "../../time";
import { agentCarriesOut, hostFactsSchema, type HostFacts, type StoredProcess } from "../protocol";
import type { FleetStore } from "../store";
import { crashCounts, readHostRows } from "../store/hosts";
import type { HostChange } from "./ingest-write";
import { hostRowStatus } from "./status";
import { hasFailed, isActive } from "../../processes/status";
import { sortedPage, type ProcessQuery, type RecordFilter } from "../../processes/query";
import TinyQueue from "tinyqueue";

/** A host as the pages and the API show it (never its secret). */
export interface FleetHostInfo extends FleetHostRef {
  /** The agent's host id (a UUID kept in its data folder). */
  id: string;
  hostname: string;
  machineId: string;
  enrolledAt: number;
  intervalSeconds: number;
  address: string | null;
  facts: HostFacts | null;
  /** Whether its workstation takes launches from the hub (its agent lists `launch`: PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH=1 there). */
  remoteLaunch: boolean;
  running: number;
  /** Records that ended in failure (hasFailed): the `failed` filter's count. */
  failed: number;
  total: number;
  crashes24h: number;
  /** Other hosts of the fleet that report the same host id (a cloned disk image). */
  sharesIdWith: string[];
  revoked: boolean;
  /** A re-enrolment of this machine without its secret waits for an operator: since when (ms), from where. */
  pending: { since: number; address: string | null } | null;
  /** When two machines were seen reporting with this host's one secret (a full disk clone); null if never. */
  sharedSecretAt: number | null;
}

export interface FleetSnapshot {
  hosts: FleetHostInfo[];
  /** Per host name, newest first. */
  processes: ReadonlyMap<string, StoredProcess[]>;
  /**
   * The page `query` asks (its sort, direction and paging) of the records of the hosts in
   * `hosts` (by key; every host when absent) that pass `filter`, as of the reader's latest
   * reading, and how many pass. Rows are made for the page only. A host's matches are kept
   * until its records change, so a filtered view tests again only the records of hosts that
   * reported since the last one.
   */
  select: (options: { query: ProcessQuery; hosts?: ReadonlySet<string>; filter?: RecordFilter | null }) => {
    items: FleetItem[];
    total: number;
  };
  readAt: number;
}

interface CachedHost {
  processSeq: number;
  listSeq: number;
  byHash: Map<string, StoredProcess>;
  /** Newest first. */
  processes: StoredProcess[];
  /** Each record's creation time in ms (-Infinity when unknown), beside `processes`: the fleet-wide merge compares numbers, not strings. */
  times: number[];
  running: number;
  failed: number;
  /** Its records that failed within the last 24 h by their end time (the crash count also knows ends the hub never got as events). */
  failedToday: number;
  factsText: string;
  facts: HostFacts | null;
  /**
   * What the fleet table's rows say of their host. One object per host, brought up to date
   * in place by each reading, so that rows of hosts whose records did not change are kept
   * as they are, not copied 30,000 at a time.
   */
  ref: FleetHostRef;
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

/** Each record's creation time, parsed once per copy: a reading re-sorts the hosts that reported, 20,000 records a second. */
const createdTimes = new WeakMap<StoredProcess, number>();

function createdMs(p: StoredProcess): number {
  let ms = createdTimes.get(p);
  if (ms === undefined) {
    const at = isoToSeconds(p.createdAt);
    createdTimes.set(p, (ms = at === null ? -Infinity : at * 1000));
  }
  return ms;
}

/** A host's records newest first, as the registry lists them (the list's default order), with their creation times beside them. */
function newestFirst(records: Iterable<StoredProcess>): { processes: StoredProcess[]; times: number[] } {
  const timed = [...records].map((p) => ({ p, t: createdMs(p) }));
  timed.sort((a, b) => (a.t !== b.t ? (a.t < b.t ? 1 : -1) : (b.p.startTime ?? 0) - (a.p.startTime ?? 0)));
  return { processes: timed.map((e) => e.p), times: timed.map((e) => e.t) };
}

/** Some of a host's records, newest first, with their creation times beside them: all of them, or the matches of a filter. */
interface Run {
  host: CachedHost;
  processes: StoredProcess[];
  times: number[];
}

/** Record `i` of a run. */
interface Hit {
  run: Run;
  i: number;
}

/**
 * The fleet's default order, newest first (as `newestFirst` orders a host's own): negative when
 * record `i` of run `a` comes before record `j` of run `b`. Total: equal times go by start
 * time, then by host and place in it.
 */
function newer(a: Run, i: number, b: Run, j: number): number {
  const x = a.times[i]!;
  const y = b.times[j]!;
  if (x !== y) return x > y ? -1 : 1;
  const s = a.processes[i]!.startTime ?? 0;
  const t = b.processes[j]!.startTime ?? 0;
  if (s !== t) return s > t ? -1 : 1;
  if (a.host.ref.key !== b.host.ref.key) return a.host.ref.key < b.host.ref.key ? -1 : 1;
  return i - j;
}

/**
 * The first `first` records of some hosts' runs, newest first: a merge of the runs (each
 * already in that order) through a heap of one cursor per run, so a page of the default view
 * costs its rows times log(hosts), whatever the fleet's size.
 */
function mergeNewest(runs: Run[], first: number): Hit[] {
  const heads = new TinyQueue<Hit>(
    runs.filter((run) => run.processes.length > 0).map((run) => ({ run, i: 0 })),
    (x, y) => newer(x.run, x.i, y.run, y.i),
  );
  const out: Hit[] = [];
  while (heads.length > 0 && out.length < first) {
    const head = heads.pop()!;
    out.push({ run: head.run, i: head.i });
    head.i += 1;
    if (head.i < head.run.processes.length) heads.push(head);
  }
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
  /** When each record held was stored (its row's updated_at): a row read again unchanged is not parsed again. */
  private stamps = new WeakMap<StoredProcess, number>();
  /** Each record's row of the fleet table, made once per copy of it (a new report of a record is a new copy). */
  private items = new WeakMap<StoredProcess, FleetItem>();
  /** Per host's list of records (replaced when they change), its matches of the last filter asked of it. */
  private matched = new WeakMap<StoredProcess[], Run & { key: string }>();

  /**
   * What reports accepted on this instance made of their hosts' rows since they were last read,
   * per host in order. A reading takes a host from these when they lead from what it holds to
   * what the host's row says now (nobody else wrote in between), instead of reading back and
   * parsing rows it was just handed: under 1,000 reporting hosts that was a third of the hub's work.
   */
  private handed = new Map<string, HostChange[]>();

  constructor(private readonly store: () => Promise<FleetStore>) {}

  /** A report accepted on this instance: what it made of its host's rows (after they were written). */
  handOver(change: HostChange): void {
    const chain = this.handed.get(change.hostKey);
    const last = chain?.at(-1);
    if (chain && last && last.to.processSeq === change.from.processSeq && last.to.listSeq === change.from.listSeq) chain.push(change);
    else this.handed.set(change.hostKey, [change]);
  }

  /**
   * The handed changes that take a host from the reading's copy to its row now, or null when
   * they do not (another instance wrote, or a change was written before it was handed): then
   * the host is read from the store. Changes past its row (accepted since) wait for the next reading.
   */
  private takeHanded(cached: CachedHost | undefined, row: { key: string; processSeq: number; listSeq: number }): HostChange[] | null {
    const chain = this.handed.get(row.key);
    if (!chain) return null;
    const end = chain.findIndex((c) => c.to.processSeq === row.processSeq && c.to.listSeq === row.listSeq);
    const rest = end === -1 ? chain.filter((c) => c.from.processSeq >= row.processSeq) : chain.slice(end + 1);
    if (rest.length > 0) this.handed.set(row.key, rest);
    else this.handed.delete(row.key);
    if (end === -1) return null;
    const taken = chain.slice(0, end + 1);
    // A whole list starts from nothing; anything else must start from what the reading holds.
    const lastWhole = taken.findLastIndex((c) => c.whole);
    if (lastWhole >= 0) return taken.slice(lastWhole);
    const first = taken[0]!;
    return cached && first.from.processSeq === cached.processSeq && first.from.listSeq === cached.listSeq ? taken : null;
  }

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
  private timer: NodeJS.Timeout | null = null;

  /**
   * Reads every `intervalMs` in the background, so a page always finds a reading younger
   * than STALE_MS and never pays for catching up: after a quiet minute 300 reporting hosts
   * have changed thousands of rows, and one visitor would wait for all of them at once.
   * Each reading then takes the last second's changes only. Failures are left to the next
   * page or API call to report.
   */
  keepFresh(intervalMs = 1_000): void {
    if (this.timer) return;
    const tick = () => {
      if (!this.reading) this.start().catch(() => undefined);
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

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

  private async readRows({ db, pg }: FleetStore, keys: string[], since: number | null) {
    type Row = { hostKey: string; hash: string; data: string; updatedAt: number };
    if (keys.length === 0) return [];
    if (pg) {
      // On the driver (direct-pg.ts): a row's values, no object of Prisma's mapping made for each.
      const values = await pg.values(
        "pm_changed_rows",
        `SELECT host_key, hash, data, updated_at FROM fleet_process
          WHERE host_key = ANY($1::text[]) AND ($2::double precision IS NULL OR updated_at >= $2::double precision)`,
        [keys, since],
      );
      return values.map(([hostKey, hash, data, updatedAt]) => ({ hostKey, hash, data, updatedAt }) as Row);
    }
    const rows: Row[] = [];
    for (let i = 0; i < keys.length; i += 50) {
      rows.push(
        ...(await db.fleetProcess.findMany({
          where: { hostKey: { in: keys.slice(i, i + 50) }, ...(since === null ? {} : { updatedAt: { gte: since } }) },
          select: { hostKey: true, hash: true, data: true, updatedAt: true },
        })),
      );
    }
    return rows;
  }

  private async readNow(): Promise<FleetSnapshot> {
    const store = await this.store();
    const now = Date.now();
    const rows = await readHostRows(store);
    const moved = rows.filter((h) => {
      const cached = this.cache.get(h.key);
      return !cached || cached.listSeq !== h.listSeq || cached.processSeq !== h.processSeq;
    });
    const handed = new Map<string, HostChange[]>();
    for (const host of moved) {
      const taken = this.takeHanded(this.cache.get(host.key), host);
      if (taken) handed.set(host.key, taken);
    }
    const whole = new Set(
      moved.filter((h) => {
        const cached = this.cache.get(h.key);
        const taken = handed.get(h.key);
        return taken ? taken[0]!.whole : !cached || cached.listSeq !== h.listSeq;
      }),
    );
    const partial = new Set(moved.filter((h) => !whole.has(h) && !handed.has(h.key)));
    const next = new Map<string, CachedHost>();
    for (const host of rows) {
      const cached = this.cache.get(host.key);
      next.set(
        host.key,
        whole.has(host) || !cached
          ? {
              processSeq: host.processSeq,
              listSeq: host.listSeq,
              byHash: new Map(),
              processes: [],
              times: [],
              running: 0,
              failed: 0,
              failedToday: 0,
              factsText: cached?.factsText ?? "",
              facts: cached?.facts ?? null,
              ref: cached?.ref ?? { key: host.key, name: host.name, status: "offline", lastSeen: null },
            }
          : { ...cached, processSeq: host.processSeq, listSeq: host.listSeq },
      );
    }
    // A host whose report moved since the last reading changed rows after that reading began.
    const since = (this.last?.readAt ?? 0) - OVERLAP_MS;
    const changedRows = [
      ...(await this.readRows(
        store,
        [...whole].filter((h) => !handed.has(h.key)).map((h) => h.key),
        null,
      )),
      ...(partial.size
        ? await this.readRows(
            store,
            [...partial].map((h) => h.key),
            since,
          )
        : []),
    ];
    const touched = new Set<CachedHost>();
    for (const row of changedRows) {
      const entry = next.get(row.hostKey);
      if (!entry) continue;
      // Rows are read again for a moment after they were read (OVERLAP_MS): unchanged ones are kept.
      const held = entry.byHash.get(row.hash);
      if (held && this.stamps.get(held) === row.updatedAt) continue;
      // Validated when it was reported; here only a row damaged in the store is skipped.
      const parsed = parseJson(row.data, (v) => (isReported(v) ? v : null));
      if (!parsed || parsed.hash !== row.hash) continue;
      if (!touched.has(entry) && entry.byHash === this.cache.get(row.hostKey)?.byHash) entry.byHash = new Map(entry.byHash);
      entry.byHash.set(parsed.hash, parsed);
      this.stamps.set(parsed, row.updatedAt);
      touched.add(entry);
    }
    for (const [hostKey, changes] of handed) {
      const entry = next.get(hostKey)!;
      if (entry.byHash === this.cache.get(hostKey)?.byHash) entry.byHash = new Map(entry.byHash);
      touched.add(entry);
      for (const change of changes) {
        for (const hash of change.removed) entry.byHash.delete(hash);
        for (const view of change.upserts) {
          entry.byHash.set(view.hash, view);
          this.stamps.set(view, change.at);
        }
      }
    }
    for (const entry of touched) {
      Object.assign(entry, newestFirst(entry.byHash.values()));
      entry.running = entry.processes.filter(isActive).length;
      entry.failed = entry.processes.filter(hasFailed).length;
      const dayAgo = (now - DAY_MS) / 1000;
      entry.failedToday = entry.processes.filter((p) => hasFailed(p) && p.endedAt !== null && p.endedAt >= dayAgo).length;
    }
    this.cache = next;

    const crashCount = await crashCounts(store, now - DAY_MS);
    const byId = new Map<string, string[]>();
    for (const host of rows) byId.set(host.hostId, [...(byId.get(host.hostId) ?? []), host.name]);

    const processes = new Map<string, StoredProcess[]>();
    const hosts = rows.map((row): FleetHostInfo => {
      const cached = next.get(row.key)!;
      // Facts change with every report (load, memory) but parsing them is kept to when they did.
      if (cached.factsText !== row.facts) {
        cached.facts = parseJson(row.facts, (v) => hostFactsSchema.safeParse(v).data ?? null);
        cached.factsText = row.facts;
      }
      processes.set(row.name, cached.processes);
      const status = hostRowStatus(row, now);
      Object.assign(cached.ref, { name: row.name, status, lastSeen: row.lastSeen });
      return {
        key: row.key,
        id: row.hostId,
        name: row.name,
        hostname: row.hostname,
        machineId: row.machineId,
        status,
        lastSeen: row.lastSeen,
        enrolledAt: row.enrolledAt,
        intervalSeconds: row.intervalS,
        address: row.lastAddress,
        facts: cached.facts,
        remoteLaunch: agentCarriesOut(cached.facts, "launch"),
        running: cached.running,
        failed: cached.failed,
        total: cached.processes.length,
        // Exits the hub took as events, or its records that say they failed today if more: an end
        // before the agent's first report (or while it ran without a hub) is never sent as an event.
        crashes24h: Math.max(crashCount.get(row.key) ?? 0, cached.failedToday),
        sharesIdWith: (byId.get(row.hostId) ?? []).filter((n) => n !== row.name),
        revoked: row.revokedAt !== null,
        pending: row.pendingSecretHash ? { since: row.pendingSince ?? row.enrolledAt, address: row.pendingAddress } : null,
        sharedSecretAt: row.sharedSecretAt,
      };
    });
    this.last = { hosts, processes, select: (options) => this.select(options), readAt: now };
    return this.last;
  }

  /** A page of the fleet-wide list of the latest reading (see FleetSnapshot.select). */
  private select({ query, hosts, filter = null }: { query: ProcessQuery; hosts?: ReadonlySet<string>; filter?: RecordFilter | null }): {
    items: FleetItem[];
    total: number;
  } {
    const runs: Run[] = [];
    let total = 0;
    for (const [key, host] of this.cache) {
      if (hosts && !hosts.has(key)) continue;
      const run = filter ? this.matchesOf(host, filter) : { host, processes: host.processes, times: host.times };
      runs.push(run);
      total += run.processes.length;
    }
    const now = Date.now();
    const reported = (hit: Hit) => hit.run.processes[hit.i]!;
    const columns = (hit: Hit) => sortableOf(reported(hit), hit.run.host.ref, now);
    let page: Hit[];
    if (query.sort === "created") {
      // The default order's page needs only its first rows of the merge; the oldest first, all of it.
      const first = query.dir === "desc" && query.limit !== null ? query.offset + query.limit : Infinity;
      page = sortedPage(mergeNewest(runs, first), query, columns);
    } else {
      // Another column's order is found among all matches unmerged (the default order breaks its ties).
      const hits = runs.flatMap((run) => run.processes.map((_, i): Hit => ({ run, i })));
      page = sortedPage(hits, query, columns, (a, b) => newer(a.run, a.i, b.run, b.i));
    }
    return { items: page.map((hit) => this.itemOf(hit.run.host, reported(hit))), total };
  }

  private matchesOf(host: CachedHost, filter: RecordFilter): Run {
    const kept = this.matched.get(host.processes);
    if (kept?.key === filter.key) return { ...kept, host };
    const run: Run & { key: string } = { key: filter.key, host, processes: [], times: [] };
    host.processes.forEach((p, i) => {
      if (!filter.test(p)) return;
      run.processes.push(p);
      run.times.push(host.times[i]!);
    });
    this.matched.set(host.processes, run);
    return run;
  }

  private itemOf(host: CachedHost, reported: StoredProcess): FleetItem {
    let item = this.items.get(reported);
    if (!item) this.items.set(reported, (item = { host: host.ref, view: toFleetView(reported, host.ref, Date.now()), reported }));
    return item;
  }
}
