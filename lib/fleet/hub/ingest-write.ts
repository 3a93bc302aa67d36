// How a window of accepted reports is written, in one transaction whatever its size. PostgreSQL:
// one statement taking all the window's rows as JSON parameters (json_to_recordset), so a report
// costs its share of it, not statements of its own; named, on pg itself (store/direct-pg.ts). SQLite: prepared statements, a row each, on
// the driver itself (store/direct.ts), where a statement costs microseconds.
import type { Report, StoredProcess } from "../protocol";
import type { FleetStore } from "../store";
import type { DirectSqlite } from "../store/direct";
import type { DirectPostgres } from "../store/direct-pg";
import { isActive, isCrash } from "../../processes/status";
import type { HostInstances, InstanceWrite } from "./instances";

/** A report that passed its checks, with its host row as it was read (PostgreSQL writes only if it still is). */
export interface AcceptedReport extends InstanceWrite {
  host: IngestHost;
  report: Report;
  address: string | null;
}

/**
 * What one accepted report made of its host's rows, told to this instance's reading of the store
 * (snapshot.ts) so that it need not read back and parse what it was just handed: from which
 * process_seq/list_seq to which, the records written (without their environments) and removed.
 */
export interface HostChange {
  hostKey: string;
  from: { processSeq: number; listSeq: number };
  to: { processSeq: number; listSeq: number };
  whole: boolean;
  upserts: StoredProcess[];
  removed: string[];
  /** The rows' updated_at. */
  at: number;
}

/** What was written: the hosts written (PostgreSQL leaves out those whose row moved meanwhile), and the exits stored for the first time. */
export interface Written {
  hosts: Set<string>;
  /** `hostKey/hash` of each exit stored now (only those are new and alerted, whichever instance took them). */
  stored: Set<string>;
}

/** Each report's steps of process_seq and list_seq (readers re-read a host's rows lately updated when the first moves, and reload it whole when the second does: records went away). */
export function stepsOf(report: Report) {
  return {
    process: report.full || report.upserts.length > 0 || report.removed.length > 0 ? 1 : 0,
    list: report.full || report.removed.length > 0 ? 1 : 0,
  };
}

/**
 * The record of each upsert without its environment (kept apart: read only for the page that
 * shows it). Made by leaving `env` out of a copy, never by deleting it: a deletion turns an
 * object into a dictionary, 1.5 KB a record where a plain one takes a few hundred bytes, and
 * the hub holds 100,000 of them.
 */
export function viewsOf(report: Report): StoredProcess[] {
  return report.upserts.map((process) => {
    const { env, ...view } = process;
    void env;
    return view;
  });
}

function rowsOf(accepted: AcceptedReport[], views: StoredProcess[][], steps: Array<ReturnType<typeof stepsOf>>) {
  const hosts = [];
  const processes: Array<{ host_key: string; hash: string; running: boolean; data: StoredProcess; env: Record<string, string> }> = [];
  const removed = [];
  const events = [];
  for (const [i, { host, report, address, instance, prevInstance, tookOver }] of accepted.entries()) {
    const hostKey = host.key;
    hosts.push({
      key: hostKey,
      read_seq: host.seq,
      read_instance: host.instance,
      secret_hash: host.secretHash,
      machine_id: host.machineId,
      seq: report.seq,
      process_step: steps[i]!.process,
      list_step: steps[i]!.list,
      address,
      hostname: report.facts.hostname,
      facts: JSON.stringify(report.facts),
      interval_s: report.interval,
      instance,
      prev_instance: prevInstance,
      took_over: tookOver,
      whole: report.full,
    });
    report.upserts.forEach(({ env }, k) => {
      const view = views[i]![k]!;
      // The record and its environment go as JSON inside the window's JSON, encoded once; the
      // store keeps each as its text.
      processes.push({ host_key: hostKey, hash: view.hash, running: isActive(view), data: view, env });
    });
    for (const hash of report.removed) removed.push({ host_key: hostKey, hash });
    for (const e of report.events) {
      events.push({
        host_key: hostKey,
        hash: e.hash,
        name: e.name,
        exit_code: e.exitCode,
        exit_signal: e.exitSignal,
        stop_signal: e.stopSignal,
        ended_at: e.endedAt,
        crashed: isCrash(e),
      });
    }
  }
  return { hosts, processes, removed, events };
}

type Rows = ReturnType<typeof rowsOf>;

function storedOf(rows: Array<{ host_key: string; hash: string }>): Set<string> {
  return new Set(rows.map((row) => `${row.host_key}/${row.hash}`));
}

/**
 * SQLite: one hub process writes the file, so the checks made on the rows just read hold. The
 * window is one transaction of prepared statements, a row each, on the driver itself
 * (direct.ts): there a statement costs microseconds, less than SQLite's unpacking of the rows
 * from one JSON text would. Per report, deletions first (an upsert of a record also removed wins).
 */
async function writeSqlite(sqlite: DirectSqlite, rows: Rows, now: number): Promise<Written> {
  const stored = await sqlite.transaction((tx) => {
    const exits: Array<{ host_key: string; hash: string }> = [];
    for (const host of rows.hosts) {
      if (host.whole) tx.run(`DELETE FROM fleet_process WHERE host_key = $key`, host);
    }
    for (const gone of rows.removed) tx.run(`DELETE FROM fleet_process WHERE host_key = $host_key AND hash = $hash`, gone);
    for (const p of rows.processes) {
      tx.run(
        `INSERT INTO fleet_process (host_key, hash, running, data, env, updated_at) VALUES ($host_key, $hash, $running, $data, $env, $now)
          ON CONFLICT (host_key, hash) DO UPDATE SET running = excluded.running, data = excluded.data, env = excluded.env,
            updated_at = excluded.updated_at`,
        { host_key: p.host_key, hash: p.hash, running: p.running ? 1 : 0, data: JSON.stringify(p.data), env: JSON.stringify(p.env), now },
      );
    }
    for (const host of rows.hosts) {
      tx.run(
        `UPDATE fleet_host SET seq = $seq, process_seq = process_seq + $process_step, list_seq = list_seq + $list_step,
          last_seen = $now, last_address = $address, hostname = $hostname, facts = $facts, interval_s = $interval_s,
          instance = $instance, prev_instance = $prev_instance,
          rival_instance = CASE WHEN $took_over THEN NULL ELSE rival_instance END,
          rival_since = CASE WHEN $took_over THEN NULL ELSE rival_since END
        WHERE key = $key`,
        { ...host, took_over: host.took_over ? 1 : 0, now },
      );
    }
    for (const e of rows.events) {
      exits.push(
        ...tx.all<{ host_key: string; hash: string }>(
          `INSERT INTO fleet_event (host_key, hash, name, exit_code, exit_signal, stop_signal, ended_at, crashed, received_at)
            VALUES ($host_key, $hash, $name, $exit_code, $exit_signal, $stop_signal, $ended_at, $crashed, $now)
            ON CONFLICT (host_key, hash) DO NOTHING RETURNING host_key, hash`,
          { ...e, crashed: e.crashed ? 1 : 0, now },
        ),
      );
    }
    return exits;
  });
  return { hosts: new Set(rows.hosts.map((h) => h.key)), stored: storedOf(stored) };
}

/**
 * PostgreSQL: several hub instances may take reports of one host (an agent that moved to
 * another after a restart), so a host row is updated only if it is still what the checks read
 * (its report number, secret, machine, agent instance, not revoked), and its records and exits
 * are written only through the rows so updated: all in one statement, atomic by itself. A host
 * left out is checked again by the caller. No row is touched twice in the statement: a
 * deletion spares the records the same report upserts.
 */
async function writePostgres(pg: DirectPostgres, rows: Rows, now: number): Promise<Written> {
  const [answer] = await pg.rows<{ hosts: string; stored: string }>("pm_write_window", WRITE_WINDOW_SQL, [
    JSON.stringify(rows.hosts),
    now,
    JSON.stringify(rows.processes),
    JSON.stringify(rows.removed),
    JSON.stringify(rows.events),
  ]);
  return {
    hosts: new Set(JSON.parse(answer!.hosts) as string[]),
    stored: storedOf(JSON.parse(answer!.stored) as Array<{ host_key: string; hash: string }>),
  };
}

/** The window's one statement: $1 the host rows, $2 now, $3 the records, $4 the removals, $5 the exits (each JSON). */
const WRITE_WINDOW_SQL = `
    WITH i AS (
      SELECT * FROM json_to_recordset($1::json) AS i(key text, read_seq integer, read_instance text,
        secret_hash text, machine_id text, seq integer, process_step integer, list_step integer, address text,
        hostname text, facts text, interval_s integer, instance text, prev_instance text, took_over boolean, whole boolean)
    ), h AS (
      UPDATE fleet_host f SET seq = i.seq, process_seq = f.process_seq + i.process_step, list_seq = f.list_seq + i.list_step,
        last_seen = $2::double precision, last_address = i.address, hostname = i.hostname, facts = i.facts,
        interval_s = i.interval_s, instance = i.instance, prev_instance = i.prev_instance,
        rival_instance = CASE WHEN i.took_over THEN NULL ELSE f.rival_instance END,
        rival_since = CASE WHEN i.took_over THEN NULL ELSE f.rival_since END
      FROM i
      WHERE f.key = i.key AND f.seq = i.read_seq AND f.secret_hash = i.secret_hash AND f.revoked_at IS NULL
        AND f.machine_id = i.machine_id AND f.instance IS NOT DISTINCT FROM i.read_instance
      RETURNING f.key, i.whole
    ), p AS (
      SELECT * FROM json_to_recordset($3::json) AS p(host_key text, hash text, running boolean, data json, env json)
    ), gone AS (
      SELECT * FROM json_to_recordset($4::json) AS g(host_key text, hash text)
    ), removed AS (
      DELETE FROM fleet_process x USING h
      WHERE x.host_key = h.key
        AND (h.whole OR EXISTS (SELECT 1 FROM gone WHERE gone.host_key = x.host_key AND gone.hash = x.hash))
        AND NOT EXISTS (SELECT 1 FROM p WHERE p.host_key = x.host_key AND p.hash = x.hash)
    ), upserted AS (
      INSERT INTO fleet_process (host_key, hash, running, data, env, updated_at)
      SELECT p.host_key, p.hash, p.running, p.data::text, p.env::text, $2::double precision FROM p JOIN h ON h.key = p.host_key
      ON CONFLICT (host_key, hash) DO UPDATE SET running = excluded.running, data = excluded.data, env = excluded.env,
        updated_at = excluded.updated_at
    ), events AS (
      INSERT INTO fleet_event (host_key, hash, name, exit_code, exit_signal, stop_signal, ended_at, crashed, received_at)
      SELECT e.host_key, e.hash, e.name, e.exit_code, e.exit_signal, e.stop_signal, e.ended_at, e.crashed, $2::double precision
      FROM json_to_recordset($5::json) AS e(host_key text, hash text, name text, exit_code integer,
        exit_signal text, stop_signal text, ended_at double precision, crashed boolean)
      JOIN h ON h.key = e.host_key
      ON CONFLICT (host_key, hash) DO NOTHING RETURNING host_key, hash
    )
    SELECT (SELECT coalesce(json_agg(key), '[]'::json) FROM h)::text AS hosts,
      (SELECT coalesce(json_agg(json_build_object('host_key', host_key, 'hash', hash)), '[]'::json) FROM events)::text AS stored`;

/** What a report's checks need of its host row. */
export interface IngestHost extends HostInstances {
  machineId: string;
  secretHash: string;
  pendingSecretHash: string | null;
  revokedAt: number | null;
  seq: number;
  processSeq: number;
  listSeq: number;
}

const INGEST_COLUMNS = `key, name, machine_id, secret_hash, pending_secret_hash, revoked_at, seq, process_seq, list_seq,
  instance, prev_instance, rival_instance, rival_since, shared_secret_at, last_seen, interval_s`;

/** The host rows of a window's reports, in one raw read (a model query costs the client twice as much). */
export async function readHosts({ sqlite, pg }: FleetStore, keys: string[]): Promise<IngestHost[]> {
  if (keys.length === 0) return [];
  const list = JSON.stringify(keys);
  const rows = sqlite
    ? await sqlite.all<Record<string, unknown>>(
        `SELECT ${INGEST_COLUMNS} FROM fleet_host WHERE key IN (SELECT value FROM json_each($list))`,
        { list },
      )
    : await pg!.rows<Record<string, unknown>>(
        "pm_read_hosts",
        `SELECT ${INGEST_COLUMNS} FROM fleet_host WHERE key IN (SELECT json_array_elements_text($1::json))`,
        [list],
      );
  return rows.map((row) => ({
    key: String(row.key),
    name: String(row.name),
    machineId: String(row.machine_id),
    secretHash: String(row.secret_hash),
    pendingSecretHash: (row.pending_secret_hash as string | null) ?? null,
    revokedAt: orNull(row.revoked_at),
    seq: Number(row.seq),
    processSeq: Number(row.process_seq),
    listSeq: Number(row.list_seq),
    instance: (row.instance as string | null) ?? null,
    prevInstance: (row.prev_instance as string | null) ?? null,
    rivalInstance: (row.rival_instance as string | null) ?? null,
    rivalSince: orNull(row.rival_since),
    sharedSecretAt: orNull(row.shared_secret_at),
    lastSeen: orNull(row.last_seen),
    intervalS: Number(row.interval_s),
  }));
}

const orNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** Writes a window of accepted reports (at most one per host) at once. */
export async function writeReports(
  store: FleetStore,
  accepted: AcceptedReport[],
  now = Date.now(),
): Promise<Written & { changes: Map<string, HostChange> }> {
  const views = accepted.map((a) => viewsOf(a.report));
  const steps = accepted.map((a) => stepsOf(a.report));
  const rows = rowsOf(accepted, views, steps);
  const written = store.sqlite ? await writeSqlite(store.sqlite, rows, now) : await writePostgres(store.pg!, rows, now);
  const changes = new Map<string, HostChange>();
  accepted.forEach(({ host, report }, i) => {
    const step = steps[i]!;
    if (!written.hosts.has(host.key) || step.process === 0) return;
    changes.set(host.key, {
      hostKey: host.key,
      from: { processSeq: host.processSeq, listSeq: host.listSeq },
      to: { processSeq: host.processSeq + step.process, listSeq: host.listSeq + step.list },
      whole: report.full,
      upserts: views[i]!,
      removed: report.removed,
      at: now,
    });
  });
  return { ...written, changes };
}
