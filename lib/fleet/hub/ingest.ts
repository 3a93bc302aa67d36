import { Prisma } from "../../generated/fleet-sqlite/client";
import type { Report, ReportAnswer } from "../protocol";
import type { FleetStore } from "../store";
import { FleetRefusal } from "./errors";
import { authenticateHost } from "./host-auth";
import { isCrash } from "./crash";

/** Rows per INSERT: well under SQLite's and PostgreSQL's limits on bound values. */
const BATCH = 200;

/**
 * Takes one report. A delta must build on the last accepted report (`base`), or the agent is
 * told to send its whole list; exits are stored once per record whatever is sent again.
 * Everything of one report is written in one transaction of a few statements: upserts and
 * event inserts are `INSERT … ON CONFLICT`, which SQLite and PostgreSQL spell alike, so a
 * heartbeat of a 100-record host costs milliseconds however often 300 hosts send one.
 */
export async function ingest(
  store: FleetStore,
  secret: string,
  report: Report,
  address: string | null,
): Promise<ReportAnswer & { newEvents: Report["events"] }> {
  const { db } = store;
  const host = await authenticateHost(store, secret);
  const hostKey = host.key;
  if (host.machineId !== report.machineId) {
    throw new FleetRefusal(409, `Another machine already reports as ${host.name} (a cloned disk image?); enrol again.`, { code: "CLONE" });
  }
  if (!report.full && report.base !== host.seq) {
    throw new FleetRefusal(409, "This report builds on one the hub does not have; send the whole list.", {
      code: "NEED_FULL",
      seq: host.seq,
    });
  }

  const now = Date.now();
  const changed = report.upserts.length > 0 || report.removed.length > 0;
  // Readers reload a host whole when records went away, else only its rows updated lately.
  const shrank = report.full || report.removed.length > 0;
  const statements: Prisma.PrismaPromise<unknown>[] = [];
  if (report.full) statements.push(db.$executeRaw`DELETE FROM fleet_process WHERE host_key = ${hostKey}`);
  for (let i = 0; i < report.removed.length; i += BATCH) {
    const hashes = report.removed.slice(i, i + BATCH);
    statements.push(db.$executeRaw`DELETE FROM fleet_process WHERE host_key = ${hostKey} AND hash IN (${Prisma.join(hashes)})`);
  }
  for (let i = 0; i < report.upserts.length; i += BATCH) {
    const rows = report.upserts
      .slice(i, i + BATCH)
      .map(
        ({ env, ...view }) =>
          Prisma.sql`(${hostKey}, ${view.hash}, ${view.status !== "stopped"}, ${JSON.stringify(view)}, ${JSON.stringify(env)}, ${now})`,
      );
    statements.push(db.$executeRaw`INSERT INTO fleet_process (host_key, hash, running, data, env, updated_at) VALUES ${Prisma.join(rows)}
      ON CONFLICT (host_key, hash) DO UPDATE SET running = excluded.running, data = excluded.data, env = excluded.env, updated_at = excluded.updated_at`);
  }
  const eventStatements: number[] = [];
  for (let i = 0; i < report.events.length; i += BATCH) {
    const rows = report.events
      .slice(i, i + BATCH)
      .map(
        (e) =>
          Prisma.sql`(${hostKey}, ${e.hash}, ${e.name}, ${e.exitCode}, ${e.exitSignal}, ${e.stopSignal}, ${e.endedAt}, ${isCrash(e)}, ${now})`,
      );
    eventStatements.push(statements.length);
    // RETURNING names the events stored now: only those are new (and alerted), whichever instance took them.
    statements.push(db.$queryRaw`INSERT INTO fleet_event (host_key, hash, name, exit_code, exit_signal, stop_signal, ended_at, crashed, received_at)
      VALUES ${Prisma.join(rows)} ON CONFLICT (host_key, hash) DO NOTHING RETURNING hash`);
  }
  statements.push(db.$executeRaw`UPDATE fleet_host SET seq = ${report.seq},
      process_seq = process_seq + ${changed || report.full ? 1 : 0}, list_seq = list_seq + ${shrank ? 1 : 0},
      last_seen = ${now}, last_address = ${address}, hostname = ${report.facts.hostname},
      facts = ${JSON.stringify(report.facts)}, interval_s = ${report.interval}
    WHERE key = ${hostKey}`);
  const results = await db.$transaction(statements);
  const stored = new Set(eventStatements.flatMap((i) => (results[i] as Array<{ hash: string }>).map((row) => row.hash)));
  return { accepted: report.seq, name: host.name, newEvents: report.events.filter((e) => stored.has(e.hash)) };
}
