// The registry's SQL, applied by lib/registry/migrate.ts (Prisma's migrate engine
// cannot run offline, and the file may already exist, written by the AYON launcher).

/** Bumped when our columns change; a file with a higher `PRAGMA user_version` is refused. */
export const SCHEMA_VERSION = 2;

/**
 * Every column of `process_info`, declared once, in file order. The first ten are AYON's
 * own, in the order its positional `SELECT *` reader relies on; the rest may be missing
 * from an existing file and are appended in this order (`stopped` first: the older AYON
 * launcher creates the table without it). All of those are nullable or defaulted, because
 * AYON's INSERT OR REPLACE leaves them out. lib/registry/row.ts decodes each by name;
 * schema.prisma mirrors this list for the Prisma client.
 */
export const COLUMNS = [
  { name: "hash", sql: "TEXT PRIMARY KEY", ayon: true },
  { name: "name", sql: "TEXT", ayon: true },
  { name: "executable", sql: "TEXT", ayon: true },
  { name: "args", sql: "TEXT DEFAULT NULL", ayon: true },
  { name: "env", sql: "TEXT DEFAULT NULL", ayon: true },
  { name: "cwd", sql: "TEXT DEFAULT NULL", ayon: true },
  { name: "pid", sql: "INTEGER DEFAULT NULL", ayon: true },
  { name: "output_file", sql: "TEXT DEFAULT NULL", ayon: true },
  { name: "start_time", sql: "REAL DEFAULT NULL", ayon: true },
  { name: "created_at", sql: "TIMESTAMP DEFAULT CURRENT_TIMESTAMP", ayon: true },
  { name: "stopped", sql: "INTEGER DEFAULT 0", ayon: false },
  { name: "exit_code", sql: "INTEGER DEFAULT NULL", ayon: false },
  { name: "exit_signal", sql: "TEXT DEFAULT NULL", ayon: false },
  { name: "ended_at", sql: "REAL DEFAULT NULL", ayon: false },
  // Schema 2: the keeper that waits for a launch (its end is then observed), and the
  // strongest signal a stop of ours sent (the end was then ours).
  { name: "keeper_pid", sql: "INTEGER DEFAULT NULL", ayon: false },
  { name: "stop_signal", sql: "TEXT DEFAULT NULL", ayon: false },
  // The operating-system user who launched it through us. Appended without a new schema
  // version: a Process Monitor that does not know it reads its columns by name and passes it by.
  { name: "launched_by", sql: "TEXT DEFAULT NULL", ayon: false },
] as const;

export type ColumnName = (typeof COLUMNS)[number]["name"];

/** AYON's own column list, in the order its positional `SELECT *` reader relies on. */
export const AYON_COLUMNS = COLUMNS.filter((c) => c.ayon).map((c) => c.name);

/** A new registry: AYON's exact table with our columns appended after `stopped`. */
export const CREATE_TABLE_SQL = `CREATE TABLE IF NOT EXISTS process_info (\n${COLUMNS.map((c) => `  ${c.name} ${c.sql}`).join(",\n")}\n)`;

/** Columns an existing file may lack, in the order they must be appended. */
export const APPENDED_COLUMNS: ReadonlyArray<{ name: string; sql: string }> = COLUMNS.filter((c) => !c.ayon).map((c) => ({
  name: c.name,
  sql: `ALTER TABLE process_info ADD COLUMN ${c.name} ${c.sql}`,
}));

/** Indexes are invisible to AYON's queries and make lookups by pid, name and age cheap. */
export const INDEX_SQL = [
  "CREATE INDEX IF NOT EXISTS pm_relaunch_origin ON pm_relaunch (origin)",
  "CREATE INDEX IF NOT EXISTS process_info_created_at ON process_info (created_at)",
  "CREATE INDEX IF NOT EXISTS process_info_pid ON process_info (pid)",
  "CREATE INDEX IF NOT EXISTS process_info_name ON process_info (name)",
];

/**
 * Our own tables beside AYON's (SPEC "The end record"): AYON's launcher never reads them, and a
 * record's rows go with it (delete, prune, retention). `pm_usage`: the usage history, CPU and
 * memory of the record's process tree, one row per point; a point covers `span` seconds (older
 * points are merged, lib/registry/history.ts). `pm_end`: what outlives the process: peaks, CPU
 * time, the kernel's OOM counters when it started, and once it ended why and the host then.
 */
export const OWN_TABLES = {
  pm_usage: `CREATE TABLE IF NOT EXISTS pm_usage (
  hash TEXT NOT NULL,
  at REAL NOT NULL,
  span REAL NOT NULL,
  cpu_percent REAL,
  rss_bytes INTEGER,
  gpu_bytes INTEGER,
  PRIMARY KEY (hash, at)
) WITHOUT ROWID`,
  pm_end: `CREATE TABLE IF NOT EXISTS pm_end (
  hash TEXT PRIMARY KEY,
  peak_rss_bytes INTEGER,
  peak_hwm_bytes INTEGER,
  peak_gpu_bytes INTEGER,
  cpu_seconds REAL,
  oom_start INTEGER,
  oom_end INTEGER,
  cgroup TEXT,
  cgroup_oom_start INTEGER,
  end_reason TEXT,
  host_snapshot TEXT,
  settled_at REAL,
  updated_at REAL
)`,
  // Which record a relaunch repeated (issue "a team lead's day"): the new record links to its
  // origin, the origin lists its relaunches. The origin may be deleted since.
  pm_relaunch: `CREATE TABLE IF NOT EXISTS pm_relaunch (
  hash TEXT PRIMARY KEY,
  origin TEXT NOT NULL
)`,
} as const;
