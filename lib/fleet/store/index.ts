import { createFleetClient, fleetLocation, type FleetClient, type FleetLocation } from "../../db/fleet-client";
import { migrateFleetStore } from "./migrate";
import { shared } from "../../config/shared";
import { closeSignals } from "./signals";
import { openDirectSqlite, type DirectSqlite } from "./direct";
import { openDirectPostgres, type DirectPostgres } from "./direct-pg";
import { startCheckpoints, type Checkpointer } from "./checkpoints";

export interface FleetStore {
  db: FleetClient;
  location: FleetLocation;
  /** SQLite: the same file on its driver, for the hot statements (direct.ts); null on PostgreSQL. */
  sqlite: DirectSqlite | null;
  /** PostgreSQL: its driver, for the same hot statements (direct-pg.ts); null on SQLite. */
  pg: DirectPostgres | null;
  /** SQLite: the log's checkpoints, on a thread of their own (checkpoints.ts). */
  checkpoints: Checkpointer | null;
}

const stores = shared("fleet-stores", () => new Map<string, Promise<FleetStore>>());

/** The hub's store, opened and migrated once per location and process. */
export function fleetStore(location: FleetLocation = fleetLocation()): Promise<FleetStore> {
  const cache = stores;
  let store = cache.get(location.url);
  if (!store) {
    store = (async () => {
      const db = await createFleetClient(location);
      try {
        await migrateFleetStore(db, location.dialect);
      } catch (error) {
        await db.$disconnect().catch(() => {});
        throw new Error(`Cannot open the fleet store ${location.display}: ${(error as Error).message}`);
      }
      if (location.dialect !== "sqlite") return { db, location, sqlite: null, pg: openDirectPostgres(location.url), checkpoints: null };
      // Opened after the tables exist and the file is in WAL mode.
      const sqlite = openDirectSqlite(location.url);
      const selfCheckpoint = async (on: boolean) => {
        sqlite.autoCheckpoint(on);
        await db.$queryRawUnsafe(`PRAGMA wal_autocheckpoint = ${on ? 1000 : 0}`);
      };
      await selfCheckpoint(false);
      const checkpoints = startCheckpoints(location.url, () => void selfCheckpoint(true).catch(() => undefined));
      return { db, location, sqlite, pg: null, checkpoints };
    })();
    // A failed open (PostgreSQL not up yet) is retried on the next request.
    store.catch(() => {
      if (cache.get(location.url) === store) cache.delete(location.url);
    });
    cache.set(location.url, store);
  }
  return store;
}

export async function closeFleetStore(location: FleetLocation = fleetLocation()): Promise<void> {
  const store = stores.get(location.url);
  if (!store) return;
  stores.delete(location.url);
  const opened = await store.catch(() => null);
  if (!opened) return;
  closeSignals(opened);
  await opened.checkpoints?.stop();
  opened.sqlite?.close();
  await opened.pg?.close().catch(() => undefined);
  await opened.db.$disconnect();
}
