// The hub's hot statements on SQLite, on the driver under Prisma's adapter (better-sqlite3)
// itself: a report's checks and its window's write, and the host rows read every second. Through
// Prisma each statement cost the client more than SQLite took to run it (the query's
// interpretation, a fresh prepare, BigInt mapping of every column), at 200 reports a second a
// third of the hub's CPU. Everything else (enrolment, commands, pages) stays on Prisma.
//
// A second connection to the file beside Prisma's: both in one thread, and Prisma's statements
// there never hold a transaction open across an await (this module's windows were the only
// batched transaction), so neither ever waits on the other. Another program's lock is waited for
// as elsewhere: a short wait in the driver, then asynchronous retries (withBusyRetry).
import Database from "better-sqlite3";
import { DRIVER_BUSY_MS, withBusyRetry } from "../../db/busy";

export interface DirectSqlite {
  /** Rows of a statement (a SELECT, or a write with RETURNING). */
  all<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Rows as arrays of their columns' values: a third of the driver's cost of making objects of them. */
  values(sql: string, params?: Record<string, unknown>): Promise<unknown[][]>;
  /** Several statements in one transaction, retried whole while another program holds the lock. */
  transaction<T>(work: (tx: DirectTransaction) => T): Promise<T>;
  /** Whether this connection's commits checkpoint the log themselves (off while checkpoints.ts does it). */
  autoCheckpoint(on: boolean): void;
  close(): void;
}

export interface DirectTransaction {
  run(sql: string, params?: Record<string, unknown>): number;
  all<T>(sql: string, params?: Record<string, unknown>): T[];
}

export function openDirectSqlite(file: string): DirectSqlite {
  const db = new Database(file, { timeout: DRIVER_BUSY_MS });
  // Prepared once each: the statements are few and fixed, their text (and whether rows come as arrays) the key.
  const prepared = new Map<string, Database.Statement>();
  const statement = (sql: string, asArrays = false) => {
    const key = asArrays ? `values:${sql}` : sql;
    let found = prepared.get(key);
    if (!found) prepared.set(key, (found = asArrays ? db.prepare(sql).raw() : db.prepare(sql)));
    return found;
  };
  const tx: DirectTransaction = {
    run: (sql, params) => (params ? statement(sql).run(params) : statement(sql).run()).changes,
    all: <T>(sql: string, params?: Record<string, unknown>) => (params ? statement(sql).all(params) : statement(sql).all()) as T[],
  };
  return {
    all: (sql, params) => withBusyRetry(async () => tx.all(sql, params)),
    values: (sql, params) =>
      withBusyRetry(async () => (params ? statement(sql, true).all(params) : statement(sql, true).all()) as unknown[][]),
    transaction: (work) => withBusyRetry(async () => db.transaction(() => work(tx)).immediate()),
    autoCheckpoint: (on) => void db.pragma(`wal_autocheckpoint = ${on ? 1000 : 0}`),
    close: () => db.close(),
  };
}
