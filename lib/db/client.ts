import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/prisma/client";

export type Db = PrismaClient;

/** How long a statement waits for another writer (web server, CLI, AYON) to let go. */
export const BUSY_TIMEOUT_MS = 15_000;

const globalCache = globalThis as unknown as { __processMonitorPrisma?: Map<string, PrismaClient> };

/**
 * The one place a Prisma client is made. Cached per registry file on globalThis so that
 * Next's module reloading and repeated opens share one connection per file.
 */
export function prismaFor(dbPath: string): PrismaClient {
  const cache = (globalCache.__processMonitorPrisma ??= new Map());
  let client = cache.get(dbPath);
  if (!client) {
    const adapter = new PrismaBetterSqlite3({ url: dbPath, timeout: BUSY_TIMEOUT_MS });
    client = new PrismaClient({ adapter });
    cache.set(dbPath, client);
  }
  return client;
}

/** Closes and forgets the client of one file (tests, CLI exit). */
export async function closePrisma(dbPath: string): Promise<void> {
  const cache = globalCache.__processMonitorPrisma;
  const client = cache?.get(dbPath);
  if (client) {
    cache?.delete(dbPath);
    await client.$disconnect();
  }
}
