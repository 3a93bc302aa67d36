// The fleet store's SQL for both databases, applied by lib/fleet/store/migrate.ts. Mirrors
// prisma/fleet.prisma (a test creates both and reads every model through Prisma).

/** Bumped when the tables change; a store with a higher version is refused. */
export const FLEET_SCHEMA_VERSION = 3;

/** What each version adds to a store of the version before (run once, under the migration's lock). */
export function fleetUpgradeSql(from: number): string[] {
  const steps: string[] = [];
  if (from < 2) {
    for (const column of [
      "pending_secret_hash TEXT",
      "pending_since DOUBLE PRECISION",
      "pending_address TEXT",
      "instance TEXT",
      "prev_instance TEXT",
      "shared_secret_at DOUBLE PRECISION",
    ]) {
      steps.push(`ALTER TABLE fleet_host ADD COLUMN ${column}`);
    }
  }
  if (from < 3) {
    for (const column of ["rival_instance TEXT", "rival_since DOUBLE PRECISION"]) steps.push(`ALTER TABLE fleet_host ADD COLUMN ${column}`);
  }
  return steps;
}

export type FleetDialect = "sqlite" | "postgres";

const real = { sqlite: "REAL", postgres: "DOUBLE PRECISION" } as const;
const bool = { sqlite: "BOOLEAN", postgres: "BOOLEAN" } as const;
const serial = { sqlite: "INTEGER PRIMARY KEY AUTOINCREMENT", postgres: "SERIAL PRIMARY KEY" } as const;

export function fleetSchemaSql(dialect: FleetDialect): string[] {
  const R = real[dialect];
  const B = bool[dialect];
  return [
    `CREATE TABLE IF NOT EXISTS fleet_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS fleet_host (
  key TEXT PRIMARY KEY,
  host_id TEXT NOT NULL,
  machine_id TEXT NOT NULL,
  hostname TEXT NOT NULL,
  name TEXT NOT NULL UNIQUE,
  secret_hash TEXT NOT NULL,
  facts TEXT NOT NULL DEFAULT '{}',
  interval_s INTEGER NOT NULL DEFAULT 5,
  enrolled_at ${R} NOT NULL,
  last_seen ${R},
  last_address TEXT,
  seq INTEGER NOT NULL DEFAULT 0,
  process_seq INTEGER NOT NULL DEFAULT 0,
  list_seq INTEGER NOT NULL DEFAULT 0,
  clone_of TEXT,
  revoked_at ${R}
)`,
    `CREATE INDEX IF NOT EXISTS fleet_host_host_id ON fleet_host (host_id)`,
    `CREATE TABLE IF NOT EXISTS fleet_process (
  host_key TEXT NOT NULL,
  hash TEXT NOT NULL,
  running ${B} NOT NULL,
  data TEXT NOT NULL,
  env TEXT NOT NULL DEFAULT '{}',
  updated_at ${R} NOT NULL,
  PRIMARY KEY (host_key, hash)
)`,
    `CREATE INDEX IF NOT EXISTS fleet_process_updated ON fleet_process (host_key, updated_at)`,
    `CREATE TABLE IF NOT EXISTS fleet_event (
  id ${serial[dialect]},
  host_key TEXT NOT NULL,
  hash TEXT NOT NULL,
  name TEXT NOT NULL,
  exit_code INTEGER,
  exit_signal TEXT,
  stop_signal TEXT,
  ended_at ${R},
  crashed ${B} NOT NULL,
  received_at ${R} NOT NULL,
  UNIQUE (host_key, hash)
)`,
    `CREATE INDEX IF NOT EXISTS fleet_event_ended_at ON fleet_event (ended_at)`,
    `CREATE TABLE IF NOT EXISTS fleet_command (
  id TEXT PRIMARY KEY,
  host_key TEXT NOT NULL,
  host_name TEXT NOT NULL,
  hash TEXT NOT NULL,
  kind TEXT NOT NULL,
  args TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL,
  audited ${B} NOT NULL,
  role TEXT NOT NULL,
  address TEXT,
  created_at ${R} NOT NULL,
  sent_at ${R},
  done_at ${R},
  result TEXT
)`,
    `CREATE INDEX IF NOT EXISTS fleet_command_pending ON fleet_command (host_key, status)`,
    `CREATE INDEX IF NOT EXISTS fleet_command_audit ON fleet_command (audited, created_at)`,
  ];
}
