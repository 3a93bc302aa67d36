import { createRequire } from "node:module";
import Database from "better-sqlite3";
import { DRIVER_BUSY_MS, READ_BUSY_MS, withBusyRetry } from "./busy";
import { preparePrivateDatabase, tightenCompanions } from "./private-file";
import { shared } from "../config/shared";

export { BUSY_TIMEOUT_MS } from "./busy";

/** How long a write that can be made later waits for another program's lock. */
const SOON_MS = 1_000;

/**
 * What the registry needs of a connection: raw SQL, since its table is AYON's and every
 * statement is written for it. Integers may come back as number or bigint.
 */
export interface Db {
  /** Reads; one refused as busy is tried again for READ_BUSY_MS at most (see there). */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  execute(sql: string, ...params: unknown[]): Promise<number>;
  /**
   * Like `execute`, for a write that can be made later (a listing's bookkeeping): it waits
   * for another program's lock only briefly, then fails as busy.
   */
  executeSoon(sql: string, ...params: unknown[]): Promise<number>;
  close(): Promise<void>;
}

/**
 * How a registry file is reached:
 * - `prisma` (the server, and the default): the one Prisma client per file, cached on
 *   globalThis so that Next's module reloading and repeated opens share one connection.
 * - `direct`: better-sqlite3 without Prisma, for short-lived commands. Loading Prisma's
 *   runtime and query compiler costs 250-300 ms per process here, more than a whole
 *   `process-monitor list` may take. Same driver, same file, same SQL. Where its addon
 *   cannot load, Node's own SQLite (node:sqlite) instead.
 */
export type DbDriver = "prisma" | "direct";

const connections = shared("registry-connections", () => new Map<string, Promise<Db>>());

async function prismaDb(dbPath: string): Promise<Db> {
  // Loaded only when used: a command that never needs Prisma never pays for loading it.
  const [{ PrismaBetterSqlite3 }, { PrismaClient }] = await Promise.all([
    import("@prisma/adapter-better-sqlite3"),
    import("../generated/prisma/client"),
  ]);
  preparePrivateDatabase(dbPath);
  const client = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: dbPath, timeout: DRIVER_BUSY_MS }) });
  return {
    query: <T>(sql: string, ...params: unknown[]) => withBusyRetry(() => client.$queryRawUnsafe<T[]>(sql, ...params), READ_BUSY_MS),
    execute: (sql, ...params) => withBusyRetry(() => client.$executeRawUnsafe(sql, ...params)),
    executeSoon: (sql, ...params) => withBusyRetry(() => client.$executeRawUnsafe(sql, ...params), SOON_MS),
    close: () => client.$disconnect(),
  };
}

/** What a command's connection needs of its driver: better-sqlite3, or Node's own SQLite. */
interface Connection {
  prepare(sql: string): { reader: boolean; all(...params: unknown[]): unknown[]; run(...params: unknown[]): { changes: number | bigint } };
  close(): void;
}

interface NodeSqliteStatement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number | bigint };
  columns?: () => unknown[];
}

/**
 * Node's built-in SQLite (node:sqlite, Node 22.5 and later), for where better-sqlite3's
 * compiled addon cannot load: a Windows install that could not fetch or build it, or
 * Node for Windows under Wine beside a Linux checkout. The same file, format and SQL.
 */
function nodeSqlite(dbPath: string): Connection | null {
  let sqlite: {
    DatabaseSync: new (
      path: string,
      options?: { timeout?: number },
    ) => { prepare(sql: string): NodeSqliteStatement; exec(sql: string): void; close(): void };
  };
  try {
    // A name the bundlers leave alone: it exists only in newer Node.
    const builtin = ["node", "sqlite"].join(":");
    // Its "experimental" warning would be printed by every command: the one thing it says is known here.
    const emitWarning = process.emitWarning;
    process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
      if (!/SQLite/.test(String(warning))) (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
    }) as typeof process.emitWarning;
    try {
      sqlite = createRequire(import.meta.url)(builtin) as typeof sqlite;
    } finally {
      process.emitWarning = emitWarning;
    }
  } catch {
    return null;
  }
  const db = new sqlite.DatabaseSync(dbPath, { timeout: DRIVER_BUSY_MS });
  db.exec(`PRAGMA busy_timeout = ${DRIVER_BUSY_MS}`);
  return {
    prepare: (sql) => {
      const statement = db.prepare(sql);
      const reader = statement.columns ? statement.columns().length > 0 : /^\s*(select|with|pragma|values)\b/i.test(sql);
      return { reader, all: (...params) => statement.all(...params), run: (...params) => statement.run(...params) };
    },
    close: () => db.close(),
  };
}

/** better-sqlite3's addon did not load (not built for this system), as opposed to a bad file. */
function addonMissing(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException;
  return (
    e.code === "ERR_DLOPEN_FAILED" ||
    /better_sqlite3\.node|bindings file|Bad EXE format|invalid ELF|not a valid Win32/i.test(String(e.message))
  );
}

function connect(dbPath: string): Connection {
  try {
    return new Database(dbPath, { timeout: DRIVER_BUSY_MS });
  } catch (error) {
    const fallback = addonMissing(error) ? nodeSqlite(dbPath) : null;
    if (!fallback) throw error;
    return fallback;
  }
}

function directDb(dbPath: string): Db {
  let connection: Connection;
  const open = () => {
    if (!connection) {
      preparePrivateDatabase(dbPath);
      connection = connect(dbPath);
      tightenCompanions(dbPath);
    }
    return connection;
  };
  const run = async (sql: string, params: unknown[]) => {
    const statement = open().prepare(sql);
    if (statement.reader) return statement.all(...params).length;
    return Number(statement.run(...params).changes);
  };
  // Async like Prisma's, so callers cannot come to rely on either being synchronous.
  return {
    query: <T>(sql: string, ...params: unknown[]) =>
      withBusyRetry(
        async () =>
          open()
            .prepare(sql)
            .all(...params) as T[],
        READ_BUSY_MS,
      ),
    execute: (sql, ...params) => withBusyRetry(() => run(sql, params)),
    executeSoon: (sql, ...params) => withBusyRetry(() => run(sql, params), SOON_MS),
    close: async () => {
      connection?.close();
    },
  };
}

/** The one place registry connections are made; one per file and driver. */
export function dbFor(dbPath: string, driver: DbDriver = "prisma"): Promise<Db> {
  const cache = connections;
  const key = `${driver}:${dbPath}`;
  let db = cache.get(key);
  if (!db) {
    db = driver === "prisma" ? prismaDb(dbPath) : Promise.resolve(directDb(dbPath));
    cache.set(key, db);
  }
  return db;
}

/** Closes and forgets the connection of one file (tests, CLI exit). */
export async function closeDb(dbPath: string, driver: DbDriver = "prisma"): Promise<void> {
  const cache = connections;
  const key = `${driver}:${dbPath}`;
  const db = cache?.get(key);
  if (db) {
    cache?.delete(key);
    await (await db).close();
  }
}
