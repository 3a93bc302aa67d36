import { Prisma } from "../../generated/fleet-sqlite/client";
import type { Report, ReportAnswer } from "../protocol";
import type { FleetStore } from "../store";
import { FleetError } from "./errors";
import { checkSecret } from "./host-auth";
import { shared } from "../../config/shared";
import { isCrash } from "../../alerts/crash";
import { hashSecret, hostKeyOf } from "./secrets";
import { isActive } from "../../processes/status";

/** Rows per INSERT: well under SQLite's and PostgreSQL's limits on bound values. */
const BATCH = 200;

type Ingested = ReportAnswer & { newEvents: Report["events"] };

/** The rows one report writes, shaped once for either way of writing them. */
function rowsOf(report: Report) {
  return {
    processes: report.upserts.map(({ env, ...view }) => ({
      hash: view.hash,
      running: isActive(view),
      data: JSON.stringify(view),
      env: JSON.stringify(env),
    })),
    events: report.events.map((e) => ({
      hash: e.hash,
      name: e.name,
      exit_code: e.exitCode,
      exit_signal: e.exitSignal,
      stop_signal: e.stopSignal,
      ended_at: e.endedAt,
      crashed: isCrash(e),
    })),
    // Readers re-read a host's rows updated lately when process_seq moves, and reload it whole
    // when list_seq does (records went away).
    processSeqStep: report.full || report.upserts.length > 0 || report.removed.length > 0 ? 1 : 0,
    listSeqStep: report.full || report.removed.length > 0 ? 1 : 0,
  };
}

/**
 * Takes one report. A delta must build on the last accepted report (`base`), or the agent is
 * told to send its whole list; exits are stored once per record whatever is sent again.
 * On PostgreSQL a delta from a known host is one statement (one round trip). Anything else,
 * and every report on SQLite, goes through the store's commit queue: reports that arrive
 * while a transaction is being written are checked together and written together in the next
 * one (group commit), and a report that arrives alone is written at once. It saves
 * transactions only when reports overlap: at 300 hosts every 5 s (bench fleet) most
 * transactions still hold one or two.
 */
export async function ingest(store: FleetStore, secret: string, report: Report, address: string | null): Promise<Ingested> {
  // A record sent twice in one report counts once, as its last copy (PostgreSQL refuses to
  // update one row twice in one statement).
  const upserts = [...new Map(report.upserts.map((p) => [p.hash, p])).values()];
  const unique = upserts.length === report.upserts.length ? report : { ...report, upserts };
  if (store.location.dialect === "postgres" && !report.full) {
    const done = await ingestDeltaAtOnce(store, secret, unique, address);
    if (done) return done;
    // Refused by the guard: find out why (or take it the long way after a race).
  }
  return commitQueue(store).submit({ secret, report: unique, address });
}

interface Submitted {
  secret: string;
  report: Report;
  address: string | null;
}
interface Waiting extends Submitted {
  resolve: (answer: Ingested) => void;
  reject: (error: unknown) => void;
}

type HostRow = NonNullable<Awaited<ReturnType<FleetStore["db"]["fleetHost"]["findUnique"]>>>;

function commitQueue(store: FleetStore): CommitQueue {
  const queues = shared("ingest-queues", () => new WeakMap<FleetStore, CommitQueue>());
  let queue = queues.get(store);
  if (!queue) queues.set(store, (queue = new CommitQueue(store)));
  return queue;
}

class CommitQueue {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly store: FleetStore) {}

  submit(report: Submitted): Promise<Ingested> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ...report, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        // The reports of this turn of the event loop go in together.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        // One report per host in a transaction: a second builds on the first's answer.
        const batch: Waiting[] = [];
        const later: Waiting[] = [];
        const hosts = new Set<string>();
        for (const item of this.waiting) {
          const key = hostKeyOf(item.secret) ?? "";
          (hosts.has(key) ? later : batch).push(item);
          hosts.add(key);
        }
        this.waiting = later;
        await this.write(batch);
      }
    } finally {
      this.writing = false;
    }
  }

  /** Checks each report against its host row (read at once for all), then writes the ones accepted in one transaction. */
  private async write(batch: Waiting[]): Promise<void> {
    const { db } = this.store;
    let rows: HostRow[];
    try {
      const keys = [...new Set(batch.map((w) => hostKeyOf(w.secret)).filter((k): k is string => k !== null))];
      rows = keys.length > 0 ? await db.fleetHost.findMany({ where: { key: { in: keys } } }) : [];
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    const byKey = new Map(rows.map((row) => [row.key, row]));
    const accepted: Array<{ w: Waiting; host: HostRow; switched: boolean }> = [];
    for (const w of batch) {
      try {
        const host = checkSecret(byKey.get(hostKeyOf(w.secret) ?? "") ?? null, w.secret);
        accepted.push({ w, host, switched: await admit(this.store, host, w.report) });
      } catch (error) {
        // Refused: nothing of it is written.
        w.reject(error);
      }
    }
    if (accepted.length === 0) return;
    try {
      const now = Date.now();
      const statements: Prisma.PrismaPromise<unknown>[] = [];
      const processRows: Prisma.Sql[] = [];
      const eventRows: Prisma.Sql[] = [];
      const hostUpdates: Prisma.PrismaPromise<unknown>[] = [];
      for (const { w, host, switched } of accepted) {
        const { report, address } = w;
        const { processes, events, processSeqStep, listSeqStep } = rowsOf(report);
        if (report.full) statements.push(db.$executeRaw`DELETE FROM fleet_process WHERE host_key = ${host.key}`);
        for (let i = 0; i < report.removed.length; i += BATCH) {
          const hashes = report.removed.slice(i, i + BATCH);
          statements.push(db.$executeRaw`DELETE FROM fleet_process WHERE host_key = ${host.key} AND hash IN (${Prisma.join(hashes)})`);
        }
        for (const r of processes) processRows.push(Prisma.sql`(${host.key}, ${r.hash}, ${r.running}, ${r.data}, ${r.env}, ${now})`);
        for (const e of events) {
          eventRows.push(
            Prisma.sql`(${host.key}, ${e.hash}, ${e.name}, ${e.exit_code}, ${e.exit_signal}, ${e.stop_signal}, ${e.ended_at}, ${e.crashed}, ${now})`,
          );
        }
        hostUpdates.push(db.$executeRaw`UPDATE fleet_host SET seq = ${report.seq},
            process_seq = process_seq + ${processSeqStep}, list_seq = list_seq + ${listSeqStep},
            last_seen = ${now}, last_address = ${address}, hostname = ${report.facts.hostname},
            facts = ${JSON.stringify(report.facts)}, interval_s = ${report.interval},
            instance = ${switched ? report.instance! : host.instance}, prev_instance = ${switched ? host.instance : host.prevInstance}
          WHERE key = ${host.key}`);
      }
      for (let i = 0; i < processRows.length; i += BATCH) {
        statements.push(db.$executeRaw`INSERT INTO fleet_process (host_key, hash, running, data, env, updated_at) VALUES ${Prisma.join(processRows.slice(i, i + BATCH))}
          ON CONFLICT (host_key, hash) DO UPDATE SET running = excluded.running, data = excluded.data, env = excluded.env, updated_at = excluded.updated_at`);
      }
      const eventStatements: number[] = [];
      for (let i = 0; i < eventRows.length; i += BATCH) {
        eventStatements.push(statements.length);
        // RETURNING names the events stored now: only those are new (and alerted), whichever instance took them.
        statements.push(db.$queryRaw`INSERT INTO fleet_event (host_key, hash, name, exit_code, exit_signal, stop_signal, ended_at, crashed, received_at)
          VALUES ${Prisma.join(eventRows.slice(i, i + BATCH))} ON CONFLICT (host_key, hash) DO NOTHING RETURNING host_key, hash`);
      }
      statements.push(...hostUpdates);
      const results = await db.$transaction(statements);
      const stored = new Set(
        eventStatements.flatMap((i) =>
          (results[i] as Array<{ host_key: string; hash: string }>).map((row) => `${row.host_key}/${row.hash}`),
        ),
      );
      for (const { w, host } of accepted) {
        w.resolve({
          accepted: w.report.seq,
          name: host.name,
          newEvents: w.report.events.filter((e) => stored.has(`${host.key}/${e.hash}`)),
        });
      }
    } catch (error) {
      for (const { w } of accepted) w.reject(error);
    }
  }
}

/**
 * What a report must be, beyond its secret, before anything of it is written: from the machine
 * that enrolled, from its agent (or one that restarted, never two in turns), building on the
 * last accepted report. Says whether the agent restarted (its instance is recorded).
 */
async function admit({ db }: FleetStore, host: HostRow, report: Report): Promise<boolean> {
  if (host.machineId !== report.machineId) {
    throw new FleetError("CLONE", `Another machine already reports as ${host.name} (a cloned disk image?); enrol again.`);
  }
  // A full disk clone carries the secret and the machine id: only the agents' process ids tell
  // two machines apart. A new one is an agent that restarted; the one before coming back is a
  // second machine, reporting in turns with the first. Flagged, and this report refused (its
  // agent enrols again, which then waits for an operator), never merged into the host.
  const switched = Boolean(report.instance && report.instance !== host.instance);
  if (switched && host.instance && report.instance === host.prevInstance) {
    await db.fleetHost.update({ where: { key: host.key }, data: { sharedSecretAt: Date.now() } });
    throw new FleetError(
      "CLONE",
      `Two machines report with the secret of ${host.name} in turns (a full disk clone, secret file included?); this one must enrol again, and an operator approve it.`,
    );
  }
  if (!report.full && report.base !== host.seq) {
    throw new FleetError("NEED_FULL", "This report builds on one the hub does not have; send the whole list.", { seq: host.seq });
  }
  return switched;
}

/**
 * PostgreSQL, a delta: the host row is updated only if the secret, machine and base match
 * and it is not revoked, and the records and exits are written only through that row, all
 * in one statement (atomic by itself). Null when the guard refused: the caller finds out why.
 */
async function ingestDeltaAtOnce(store: FleetStore, secret: string, report: Report, address: string | null): Promise<Ingested | null> {
  const hostKey = hostKeyOf(secret);
  if (!hostKey || report.base === null) return null;
  const now = Date.now();
  const { processes, events, processSeqStep, listSeqStep } = rowsOf(report);
  const answer = await store.db.$queryRaw<Array<{ name: string | null; stored: string }>>`
    WITH h AS (
      UPDATE fleet_host SET seq = ${report.seq}, process_seq = process_seq + ${processSeqStep},
        list_seq = list_seq + ${listSeqStep}, last_seen = ${now}, last_address = ${address},
        hostname = ${report.facts.hostname}, facts = ${JSON.stringify(report.facts)}, interval_s = ${report.interval}
      WHERE key = ${hostKey} AND secret_hash = ${hashSecret(secret)} AND revoked_at IS NULL
        AND machine_id = ${report.machineId} AND seq = ${report.base}
        AND instance IS NOT DISTINCT FROM ${report.instance ?? null}::text
      RETURNING key, name
    ), removed AS (
      DELETE FROM fleet_process p USING h
      WHERE p.host_key = h.key AND p.hash IN (SELECT json_array_elements_text(${JSON.stringify(report.removed)}::json))
    ), upserted AS (
      INSERT INTO fleet_process (host_key, hash, running, data, env, updated_at)
      SELECT h.key, r.hash, r.running, r.data, r.env, ${now}::double precision
      FROM h, json_to_recordset(${JSON.stringify(processes)}::json) AS r(hash text, running boolean, data text, env text)
      ON CONFLICT (host_key, hash) DO UPDATE SET running = excluded.running, data = excluded.data, env = excluded.env,
        updated_at = excluded.updated_at
    ), events AS (
      INSERT INTO fleet_event (host_key, hash, name, exit_code, exit_signal, stop_signal, ended_at, crashed, received_at)
      SELECT h.key, e.hash, e.name, e.exit_code, e.exit_signal, e.stop_signal, e.ended_at, e.crashed, ${now}::double precision
      FROM h, json_to_recordset(${JSON.stringify(events)}::json)
        AS e(hash text, name text, exit_code integer, exit_signal text, stop_signal text, ended_at double precision, crashed boolean)
      ON CONFLICT (host_key, hash) DO NOTHING RETURNING hash
    )
    SELECT (SELECT name FROM h) AS name, (SELECT coalesce(json_agg(hash), '[]'::json)::text FROM events) AS stored`;
  const name = answer[0]?.name;
  if (!name) return null;
  const stored = new Set(JSON.parse(answer[0]!.stored) as string[]);
  return { accepted: report.seq, name, newEvents: report.events.filter((e) => stored.has(e.hash)) };
}
