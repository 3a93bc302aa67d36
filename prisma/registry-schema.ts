// The registry's SQL, applied by lib/registry/migrate.ts (Prisma's migrate engine
// cannot run offline, and the file may already exist, written by the AYON launcher).

/** Bumped when our columns change; a file with a higher `PRAGMA user_version` is refused. */
export const SCHEMA_VERSION = 2;

/** AYON's own column list, in the order its positional `SELECT *` reader relies on. */
export const AYON_COLUMNS = ["hash", "name", "executable", "args", "env", "cwd", "pid", "output_file", "start_time", "created_at"] as const;

/** A new registry: AYON's exact table with our columns appended after `stopped`. */
export const CREATE_TABLE_SQL = `CREATE TABLE IF NOT EXISTS process_info (
  hash TEXT PRIMARY KEY,
  name TEXT,
  executable TEXT,
  args TEXT DEFAULT NULL,
  env TEXT DEFAULT NULL,
  cwd TEXT DEFAULT NULL,
  pid INTEGER DEFAULT NULL,
  output_file TEXT DEFAULT NULL,
  start_time REAL DEFAULT NULL,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  stopped INTEGER DEFAULT 0,
  exit_code INTEGER DEFAULT NULL,
  exit_signal TEXT DEFAULT NULL,
  ended_at REAL DEFAULT NULL,
  keeper_pid INTEGER DEFAULT NULL,
  stop_signal TEXT DEFAULT NULL
)`;

/**
 * Columns an existing file may lack, in the order they must be appended. `stopped`
 * first: the older AYON launcher creates the table without it. All nullable or
 * defaulted, because AYON's INSERT OR REPLACE leaves them out.
 */
export const APPENDED_COLUMNS: ReadonlyArray<{ name: string; sql: string }> = [
  { name: "stopped", sql: "ALTER TABLE process_info ADD COLUMN stopped INTEGER DEFAULT 0" },
  { name: "exit_code", sql: "ALTER TABLE process_info ADD COLUMN exit_code INTEGER DEFAULT NULL" },
  { name: "exit_signal", sql: "ALTER TABLE process_info ADD COLUMN exit_signal TEXT DEFAULT NULL" },
  { name: "ended_at", sql: "ALTER TABLE process_info ADD COLUMN ended_at REAL DEFAULT NULL" },
  // Schema 2: the keeper that waits for a launch (its end is then observed), and the
  // strongest signal a stop of ours sent (the end was then ours).
  { name: "keeper_pid", sql: "ALTER TABLE process_info ADD COLUMN keeper_pid INTEGER DEFAULT NULL" },
  { name: "stop_signal", sql: "ALTER TABLE process_info ADD COLUMN stop_signal TEXT DEFAULT NULL" },
];

/** Indexes are invisible to AYON's queries and make lookups by pid, name and age cheap. */
export const INDEX_SQL = [
  "CREATE INDEX IF NOT EXISTS process_info_created_at ON process_info (created_at)",
  "CREATE INDEX IF NOT EXISTS process_info_pid ON process_info (pid)",
  "CREATE INDEX IF NOT EXISTS process_info_name ON process_info (name)",
];
