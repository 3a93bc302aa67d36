import path from "node:path";
import type { PrismaClient as SqliteClient } from "../generated/fleet-sqlite/client";
import type { FleetDialect } from "../../prisma/fleet-schema";
import { dataDir, ensureDir } from "../config/paths";
import { BUSY_TIMEOUT_MS } from "./client";
import { preparePrivateDatabase } from "./private-file";

/**
 * The fleet store's Prisma client. Both generated clients (SQLite, PostgreSQL) come from
 * one model file and offer the same calls, so the hub is written against one type.
 */
export type FleetClient = SqliteClient;

export const FLEET_DB_ENV = "PROCESS_MONITOR_FLEET_DB";

export interface FleetLocation {
  dialect: FleetDialect;
  /** A file path (SQLite) or a connection URL (PostgreSQL). */
  url: string;
  /** What may be shown: the path, or the URL without its password. */
  display: string;
}

/** `PROCESS_MONITOR_FLEET_DB`: a postgres:// URL, else a SQLite file (default `<data dir>/fleet.db`). */
export function fleetLocation(value = process.env[FLEET_DB_ENV]): FleetLocation {
  const chosen = value?.trim();
  if (chosen && /^postgres(ql)?:\/\//i.test(chosen)) {
    let display = chosen;
    try {
      const url = new URL(chosen);
      if (url.password) url.password = "***";
      display = url.toString();
    } catch {
      throw new Error(`${FLEET_DB_ENV} is not a valid PostgreSQL URL (postgres://user:password@host:port/database).`);
    }
    return { dialect: "postgres", url: chosen, display };
  }
  const file = path.resolve(/*turbopackIgnore: true*/ chosen || path.join(dataDir(), "fleet.db"));
  return { dialect: "sqlite", url: file, display: file };
}

/** The one place fleet store clients are made. */
export async function createFleetClient(location: FleetLocation): Promise<FleetClient> {
  if (location.dialect === "postgres") {
    const [{ PrismaPg }, { PrismaClient }] = await Promise.all([
      import("@prisma/adapter-pg"),
      import("../generated/fleet-postgres/client"),
    ]);
    const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: location.url, max: 10 }) });
    return client as unknown as FleetClient;
  }
  const [{ PrismaBetterSqlite3 }, { PrismaClient }] = await Promise.all([
    import("@prisma/adapter-better-sqlite3"),
    import("../generated/fleet-sqlite/client"),
  ]);
  ensureDir(path.dirname(location.url));
  preparePrivateDatabase(location.url);
  return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: location.url, timeout: BUSY_TIMEOUT_MS }) });
}
