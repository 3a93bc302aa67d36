import { FLEET_SCHEMA_VERSION, fleetSchemaSql, fleetUpgradeSql, type FleetDialect } from "../../../prisma/fleet-schema";
import type { FleetClient } from "../../db/fleet-client";

export class FleetSchemaError extends Error {
  override name = "FleetSchemaError";
}

/**
 * Creates the fleet tables from the SQL in the repo, idempotently. On PostgreSQL several hub
 * instances may start at once: an advisory lock held by the transaction serialises them.
 */
export async function migrateFleetStore(db: FleetClient, dialect: FleetDialect): Promise<void> {
  const statements = fleetSchemaSql(dialect);
  if (dialect === "sqlite") await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await db.$transaction(async (tx) => {
    if (dialect === "postgres") await tx.$queryRawUnsafe("SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(7412001)) AS l");
    for (const sql of statements) await tx.$executeRawUnsafe(sql);
    const rows = await tx.$queryRawUnsafe<Array<{ value: string }>>("SELECT value FROM fleet_meta WHERE key = 'schema_version'");
    const found = rows[0] ? Number(rows[0].value) : 0;
    if (found > FLEET_SCHEMA_VERSION) {
      throw new FleetSchemaError(
        `The fleet store has schema version ${found}; this hub knows up to ${FLEET_SCHEMA_VERSION}. Upgrade Process Monitor on this hub.`,
      );
    }
    if (found < FLEET_SCHEMA_VERSION) {
      // A new store was just made at version 1's shape; an older one is at its own.
      for (const sql of fleetUpgradeSql(Math.max(found, 1))) await tx.$executeRawUnsafe(sql);
      await tx.$executeRawUnsafe("DELETE FROM fleet_meta WHERE key = 'schema_version'");
      await tx.$executeRawUnsafe(`INSERT INTO fleet_meta (key, value) VALUES ('schema_version', '${FLEET_SCHEMA_VERSION}')`);
    }
  });
}
