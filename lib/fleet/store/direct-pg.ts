// The hub's hot statements on PostgreSQL, on the driver under Prisma's adapter (pg) itself, as
// SQLite's are on better-sqlite3 (direct.ts): a window's host rows and its write, and the host
// rows, changed records and crash counts read each second. Through Prisma each cost the hub more
// than PostgreSQL took to run it (the client's handling of every query, the mapping of every
// value); a profile of a hub taking 1,000 agents put Prisma's client at a sixth of its CPU.
// A small pool of its own beside Prisma's; everything else (enrolment, commands, pages) stays on
// Prisma. Each statement is named, so each connection prepares it once.
import pg from "pg";

export interface DirectPostgres {
  /** Rows as objects, keyed by the columns' names (or aliases). */
  rows<T>(name: string, sql: string, params?: unknown[]): Promise<T[]>;
  /** Rows as arrays of their columns' values: no object made per row by the driver. */
  values(name: string, sql: string, params?: unknown[]): Promise<unknown[][]>;
  close(): Promise<void>;
}

export function openDirectPostgres(url: string): DirectPostgres {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle connection the server dropped (a restart) is replaced by the next query; its error
  // is said by the query that meets it (STORE_DOWN), never left to stop the process.
  pool.on("error", () => undefined);
  return {
    rows: async <T>(name: string, text: string, values: unknown[] = []) => (await pool.query({ name, text, values })).rows as T[],
    values: async (name, text, values = []) => (await pool.query({ name, text, values, rowMode: "array" })).rows as unknown[][],
    close: () => pool.end(),
  };
}
