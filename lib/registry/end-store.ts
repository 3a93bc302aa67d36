// The SQL of our own tables beside AYON's (prisma/registry-schema.ts OWN_TABLES): a record's
// usage history and what outlives its process. Called by the Registry, which owns the connection.
import type { Db } from "../db/client";
import { compact, MAX_POINTS, type UsagePoint } from "./history";
import type { EndSummary, HostAtEnd, StoredEndReason } from "./types";

export type { EndSummary, HostAtEnd, StoredEndReason };

/** A round of samples: one point per running record and what it says of its peaks. */
export interface Sample {
  hash: string;
  point: UsagePoint;
  hwmBytes: number | null;
  cpuSeconds: number | null;
  /** The machine's OOM counter now (the record's baseline if it has none yet). */
  oomKills: number | null;
  cgroup: string | null;
  cgroupOomKills: number | null;
}

/** The row of pm_end for records whose end is being settled. */
export interface EndRow {
  hash: string;
  oomStart: number | null;
  oomEnd: number | null;
  cgroup: string | null;
  cgroupOomStart: number | null;
  /** When the row was last written (seconds). */
  updatedAt: number;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function parse<T>(text: unknown): T | null {
  if (typeof text !== "string") return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** The end records of these hashes (null: every one). */
export async function readEnds(
  db: Db,
  hashes: string[] | null,
  { host = true }: { host?: boolean } = {},
): Promise<Map<string, EndSummary>> {
  const ends = new Map<string, EndSummary>();
  if (hashes?.length === 0) return ends;
  // The machine at the end is the biggest part (its top processes), and only a record's page shows it.
  const columns = `hash, peak_rss_bytes, peak_hwm_bytes, peak_gpu_bytes, cpu_seconds, end_reason, ${host ? "host_snapshot" : "NULL AS host_snapshot"}, settled_at`;
  const rows =
    hashes === null
      ? await db.query<Record<string, unknown>>(`SELECT ${columns} FROM pm_end`)
      : await db.query<Record<string, unknown>>(
          `SELECT ${columns} FROM pm_end WHERE hash IN (SELECT value FROM json_each(?))`,
          JSON.stringify(hashes),
        );
  for (const row of rows) {
    const tree = num(row.peak_rss_bytes);
    const own = num(row.peak_hwm_bytes);
    ends.set(String(row.hash), {
      peakMemoryBytes: tree === null ? own : own === null ? tree : Math.max(tree, own),
      peakTreeBytes: tree,
      peakProcessBytes: own,
      peakGpuBytes: num(row.peak_gpu_bytes),
      cpuSeconds: num(row.cpu_seconds),
      endReason: parse<StoredEndReason>(row.end_reason),
      host: parse<HostAtEnd>(row.host_snapshot),
      settled: row.settled_at !== null,
    });
  }
  return ends;
}

/** A launch of ours: the machine's OOM counter as it starts (so an OOM kill before the first sample is seen). */
export async function beginEnd(db: Db, hash: string, oomKills: number | null): Promise<void> {
  await db.execute(
    "INSERT INTO pm_end (hash, oom_start, updated_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING",
    hash,
    oomKills,
    Date.now() / 1000,
  );
}

/**
 * One round of samples in one statement per table; a record sampled again within half a point's
 * span (a second sampler on the same registry) keeps its first. Histories past MAX_POINTS are
 * compacted. Waits for another program's lock only briefly (a round can be skipped).
 */
export async function addSamples(db: Db, samples: Sample[]): Promise<void> {
  if (samples.length === 0) return;
  await addPoints(db, samples);
  const rows = JSON.stringify(
    samples.map((s) => ({
      hash: s.hash,
      at: s.point.at,
      span: s.point.span,
      cpu: s.point.cpuPercent,
      rss: s.point.rssBytes,
      gpu: s.point.gpuBytes,
      hwm: s.hwmBytes,
      cpu_s: s.cpuSeconds,
      oom: s.oomKills,
      cg: s.cgroup,
      cg_oom: s.cgroupOomKills,
    })),
  );
  await db.executeSoon(
    `INSERT INTO pm_end (hash, peak_rss_bytes, peak_hwm_bytes, peak_gpu_bytes, cpu_seconds, oom_start, cgroup, cgroup_oom_start, updated_at)
     SELECT value ->> 'hash', value ->> 'rss', value ->> 'hwm', value ->> 'gpu', value ->> 'cpu_s', value ->> 'oom', value ->> 'cg',
       value ->> 'cg_oom', ?
     FROM json_each(?) WHERE true
     ON CONFLICT (hash) DO UPDATE SET
       peak_rss_bytes = max(coalesce(peak_rss_bytes, excluded.peak_rss_bytes), coalesce(excluded.peak_rss_bytes, peak_rss_bytes)),
       peak_hwm_bytes = max(coalesce(peak_hwm_bytes, excluded.peak_hwm_bytes), coalesce(excluded.peak_hwm_bytes, peak_hwm_bytes)),
       peak_gpu_bytes = max(coalesce(peak_gpu_bytes, excluded.peak_gpu_bytes), coalesce(excluded.peak_gpu_bytes, peak_gpu_bytes)),
       cpu_seconds = max(coalesce(cpu_seconds, excluded.cpu_seconds), coalesce(excluded.cpu_seconds, cpu_seconds)),
       oom_start = coalesce(oom_start, excluded.oom_start),
       cgroup = coalesce(cgroup, excluded.cgroup),
       cgroup_oom_start = coalesce(cgroup_oom_start, excluded.cgroup_oom_start),
       updated_at = excluded.updated_at`,
    Date.now() / 1000,
    rows,
  );
  const full = await db.query<{ hash: string }>(
    "SELECT hash FROM pm_usage WHERE hash IN (SELECT value ->> 'hash' FROM json_each(?)) GROUP BY hash HAVING count(*) > ?",
    rows,
    MAX_POINTS,
  );
  for (const { hash } of full) {
    const points = compact(await readHistory(db, hash), Math.floor(MAX_POINTS * 0.75));
    await db.executeSoon("DELETE FROM pm_usage WHERE hash = ? AND at < ?", hash, points.at(-1)!.at + 1e-9);
    await db.executeSoon(
      `INSERT OR REPLACE INTO pm_usage (hash, at, span, cpu_percent, rss_bytes, gpu_bytes)
       SELECT ?, value ->> 'at', value ->> 'span', value ->> 'cpuPercent', value ->> 'rssBytes', value ->> 'gpuBytes' FROM json_each(?)`,
      hash,
      JSON.stringify(points),
    );
  }
}

/** Points of records' histories (a round's, or a run's last at its end) in one statement; one within half a span of a newer point is left out (a second sampler on the same registry). */
export async function addPoints(db: Db, points: Array<Pick<Sample, "hash" | "point">>): Promise<void> {
  if (points.length === 0) return;
  await db.executeSoon(
    `INSERT INTO pm_usage (hash, at, span, cpu_percent, rss_bytes, gpu_bytes)
     SELECT value ->> 'hash', value ->> 'at', value ->> 'span', value ->> 'cpu', value ->> 'rss', value ->> 'gpu'
     FROM json_each(?) AS s
     WHERE NOT EXISTS (SELECT 1 FROM pm_usage u WHERE u.hash = s.value ->> 'hash' AND u.at > (s.value ->> 'at') - (s.value ->> 'span') / 2)
     ON CONFLICT DO NOTHING`,
    JSON.stringify(
      points.map(({ hash, point }) => ({
        hash,
        at: point.at,
        span: point.span,
        cpu: point.cpuPercent,
        rss: point.rssBytes,
        gpu: point.gpuBytes,
      })),
    ),
  );
}

/** A record's history, oldest first. */
export async function readHistory(db: Db, hash: string): Promise<UsagePoint[]> {
  const rows = await db.query<Record<string, unknown>>(
    "SELECT at, span, cpu_percent, rss_bytes, gpu_bytes FROM pm_usage WHERE hash = ? ORDER BY at",
    hash,
  );
  return rows.map((r) => ({
    at: Number(r.at),
    span: Number(r.span),
    cpuPercent: num(r.cpu_percent),
    rssBytes: num(r.rss_bytes),
    gpuBytes: num(r.gpu_bytes),
  }));
}

/** The end a keeper (or the Windows supervisor) observed: CPU times, the machine's OOM counter then, the peak it read from the handle. */
export async function noteKeeperEnd(
  db: Db,
  where: { outputFile: string; pid: number },
  end: { cpuSeconds: number | null; oomKills: number | null; peakBytes: number | null },
) {
  await db.execute(
    `INSERT INTO pm_end (hash, cpu_seconds, oom_end, peak_hwm_bytes, updated_at)
     SELECT hash, ?, ?, ?, ? FROM process_info WHERE output_file = ? AND pid = ?
     ON CONFLICT (hash) DO UPDATE SET cpu_seconds = coalesce(excluded.cpu_seconds, cpu_seconds), oom_end = excluded.oom_end,
       peak_hwm_bytes = max(coalesce(peak_hwm_bytes, excluded.peak_hwm_bytes), coalesce(excluded.peak_hwm_bytes, peak_hwm_bytes))`,
    end.cpuSeconds,
    end.oomKills,
    end.peakBytes,
    Date.now() / 1000,
    where.outputFile,
    where.pid,
  );
}

/** Records that ended and whose end was not looked at yet. */
export async function unsettledEnds(db: Db): Promise<EndRow[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT e.hash, e.oom_start, e.oom_end, e.cgroup, e.cgroup_oom_start, e.updated_at FROM pm_end e JOIN process_info p ON p.hash = e.hash
     WHERE e.settled_at IS NULL AND p.stopped = 1`,
  );
  return rows.map((r) => ({
    hash: String(r.hash),
    oomStart: num(r.oom_start),
    oomEnd: num(r.oom_end),
    cgroup: typeof r.cgroup === "string" ? r.cgroup : null,
    cgroupOomStart: num(r.cgroup_oom_start),
    updatedAt: Number(r.updated_at ?? 0),
  }));
}

export async function settleEnd(db: Db, hash: string, reason: StoredEndReason | null, host: HostAtEnd | null): Promise<void> {
  await db.executeSoon(
    "UPDATE pm_end SET end_reason = ?, host_snapshot = ?, settled_at = ? WHERE hash = ?",
    reason ? JSON.stringify(reason) : null,
    host ? JSON.stringify(host) : null,
    Date.now() / 1000,
    hash,
  );
}

/** A relaunch of ours: the record it repeated. */
export async function noteRelaunch(db: Db, hash: string, origin: string): Promise<void> {
  await db.execute("INSERT OR REPLACE INTO pm_relaunch (hash, origin) VALUES (?, ?)", hash, origin);
}

/** The record a record relaunched (null if none, or deleted since), and the records that relaunched it, newest first. */
export async function relaunchLinks(
  db: Db,
  hash: string,
): Promise<{ origin: { hash: string; name: string } | null; originGone: boolean; relaunches: Array<{ hash: string; name: string }> }> {
  const [link] = await db.query<{ origin: string; name: string | null }>(
    "SELECT r.origin, p.name FROM pm_relaunch r LEFT JOIN process_info p ON p.hash = r.origin WHERE r.hash = ?",
    hash,
  );
  const relaunches = await db.query<{ hash: string; name: string }>(
    "SELECT p.hash, p.name FROM pm_relaunch r JOIN process_info p ON p.hash = r.hash WHERE r.origin = ? ORDER BY p.created_at DESC, p.rowid DESC",
    hash,
  );
  return {
    origin: link && link.name !== null ? { hash: link.origin, name: String(link.name) } : null,
    originGone: Boolean(link) && link!.name === null,
    relaunches: relaunches.map((r) => ({ hash: String(r.hash), name: String(r.name ?? "") })),
  };
}

/** A record's rows of our tables, with the record (delete, prune, retention), and any left by another program's deletes. */
export async function forgetEnds(db: Db, hashes: string[]): Promise<void> {
  if (hashes.length > 0) {
    const list = JSON.stringify(hashes);
    await db.execute("DELETE FROM pm_usage WHERE hash IN (SELECT value FROM json_each(?))", list);
    await db.execute("DELETE FROM pm_end WHERE hash IN (SELECT value FROM json_each(?))", list);
    await db.execute("DELETE FROM pm_relaunch WHERE hash IN (SELECT value FROM json_each(?))", list);
  }
}

/** Rows of records that another program (AYON) deleted. */
export async function forgetOrphans(db: Db): Promise<void> {
  await db.execute("DELETE FROM pm_usage WHERE hash NOT IN (SELECT hash FROM process_info)");
  await db.execute("DELETE FROM pm_end WHERE hash NOT IN (SELECT hash FROM process_info)");
  await db.execute("DELETE FROM pm_relaunch WHERE hash NOT IN (SELECT hash FROM process_info)");
}
