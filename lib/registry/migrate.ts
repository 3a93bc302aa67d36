import type { Db } from "../db/client";
import { APPENDED_COLUMNS, AYON_COLUMNS, CREATE_TABLE_SQL, INDEX_SQL, OWN_TABLES, SCHEMA_VERSION } from "../../prisma/registry-schema";
import { RegistryError, isBusyError } from "./errors";

interface TableColumn {
  name: string;
}

async function inspect(db: Db, dbPath: string) {
  let tables: Array<{ name: string }>;
  let version: number;
  try {
    tables = await db.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    const [row] = await db.query<{ user_version: bigint | number }>("PRAGMA user_version");
    version = Number(row?.user_version ?? 0);
  } catch (error) {
    if (isBusyError(error)) throw error; // the caller's BUSY: held by another program, not unreadable
    const message = String((error as Error)?.message ?? error);
    if (/not a database|file is encrypted|SQLITE_NOTADB|malformed/i.test(message)) {
      throw new RegistryError(
        "NOT_A_REGISTRY",
        `${dbPath} is not an SQLite database, so it cannot be a process registry. It was left untouched.`,
        { cause: error },
      );
    }
    throw new RegistryError("UNREADABLE", `Cannot read the registry ${dbPath}: ${message}`, { cause: error });
  }
  const hasTable = tables.some((t) => t.name === "process_info");
  const columns = hasTable ? await db.query<TableColumn>("PRAGMA table_info(process_info)") : [];
  return { tables, version, hasTable, columns: columns.map((c) => c.name) };
}

function verify(dbPath: string, state: Awaited<ReturnType<typeof inspect>>): void {
  if (state.version > SCHEMA_VERSION) {
    throw new RegistryError(
      "NEWER_SCHEMA",
      `${dbPath} was written by a newer Process Monitor (schema ${state.version}; this one knows ${SCHEMA_VERSION}). Update Process Monitor; the file was left untouched.`,
    );
  }
  if (!state.hasTable && state.tables.length > 0) {
    throw new RegistryError(
      "NOT_A_REGISTRY",
      `${dbPath} is an SQLite database without a process_info table (it has: ${state.tables
        .map((t) => t.name)
        .slice(0, 5)
        .join(", ")}). It is not a process registry and was left untouched.`,
    );
  }
  if (state.hasTable) {
    const prefix = state.columns.slice(0, AYON_COLUMNS.length);
    if (prefix.join(",") !== AYON_COLUMNS.join(",")) {
      throw new RegistryError(
        "NOT_A_REGISTRY",
        `${dbPath} has a process_info table with unexpected columns (${state.columns.join(", ")}); expected AYON's (${AYON_COLUMNS.join(", ")}). It was left untouched.`,
      );
    }
  }
}

function pendingSteps(state: Awaited<ReturnType<typeof inspect>>): string[] {
  const steps: string[] = [];
  if (!state.hasTable) steps.push(CREATE_TABLE_SQL);
  else {
    for (const column of APPENDED_COLUMNS) {
      if (!state.columns.includes(column.name)) steps.push(column.sql);
    }
  }
  // Tables of our own are added to any registry, AYON's table untouched.
  for (const [name, sql] of Object.entries(OWN_TABLES)) if (!state.tables.some((t) => t.name === name)) steps.push(sql);
  return steps;
}

/**
 * Creates the registry, or upgrades an AYON (or older) file in place: columns are only
 * ever appended, rows never rewritten. Anything it does not recognise is refused before
 * a single byte is written.
 */
export async function migrateRegistry(db: Db, dbPath: string): Promise<{ extraColumns: string[] }> {
  const before = await inspect(db, dbPath);
  verify(dbPath, before);

  if (pendingSteps(before).length > 0 || before.version < SCHEMA_VERSION) {
    // IMMEDIATE takes the write lock up front, so two processes upgrading the same file
    // at once serialise instead of both adding the same column.
    await db.execute("BEGIN IMMEDIATE");
    try {
      const state = await inspect(db, dbPath);
      verify(dbPath, state);
      for (const sql of pendingSteps(state)) await db.execute(sql);
      for (const sql of INDEX_SQL) await db.execute(sql);
      if (state.version < SCHEMA_VERSION) await db.execute(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      await db.execute("COMMIT");
    } catch (error) {
      await db.execute("ROLLBACK").catch(() => undefined);
      throw error;
    }
  }

  // WAL lets the dashboard read while the CLI or AYON writes. Switching needs a moment
  // alone with the file; if another connection holds it, a later open will switch.
  try {
    await db.query("PRAGMA journal_mode = WAL");
  } catch {
    /* stays in rollback mode for now; still correct, only less concurrent */
  }
  await db.query("PRAGMA synchronous = NORMAL").catch(() => undefined);

  // Columns neither AYON nor we know (a newer writer's): kept, read, and reported per row.
  const known = new Set<string>([...AYON_COLUMNS, ...APPENDED_COLUMNS.map((c) => c.name)]);
  const after = await inspect(db, dbPath);
  return { extraColumns: after.columns.filter((name) => !known.has(name)) };
}
