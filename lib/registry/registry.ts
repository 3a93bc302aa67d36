import fs from "node:fs";
import path from "node:path";
import { closePrisma, prismaFor, type Db } from "../db/client";
import { ensureDir, outputDirFor } from "../config/paths";
import { ProcessSnapshot } from "../system/snapshot";
import { checkLiveness, type Liveness } from "../system/probe";
import { RegistryError, isBusyError } from "./errors";
import { processHash } from "./hash";
import { migrateRegistry } from "./migrate";
import { ORDER_NEWEST_FIRST, ProcessRow, SELECT_COLUMNS, decodeRow, type RawRow } from "./row";
import type { ListedProcess, ProcessStatus, StoreInput } from "./types";

export interface ListOptions {
  /** Check every record not yet stopped and mark the dead ones (default true). */
  invalidate?: boolean;
  /** A process table reading to reuse; one is taken when needed otherwise. */
  snapshot?: ProcessSnapshot;
}

function statusFrom(liveness: Liveness): ProcessStatus {
  return liveness === "gone" ? "stopped" : liveness;
}

/**
 * The registry file: AYON's `process_info` table, shared with the AYON launcher and our
 * CLI. Every operation of SPEC "Operations the registry offers" lives here.
 */
export class Registry {
  /** Bumped by every write through this object, so cached rows are never stale. */
  private writes = 0;
  private rowCache: { dataVersion: number; writes: number; records: ProcessRow[] } | null = null;

  private constructor(
    readonly dbPath: string,
    readonly outputDir: string,
    private readonly db: Db,
    /** Columns of the file that this version does not know. */
    readonly extraColumns: string[] = [],
  ) {
    this.selectSql = `SELECT ${SELECT_COLUMNS}${extraColumns.map((c) => `, "${c.replace(/"/g, '""')}" AS "x:${c.replace(/"/g, '""')}"`).join("")} FROM process_info`;
  }

  private readonly selectSql: string;

  /** Opens (creating or upgrading in place) the registry at `dbPath`. */
  static async open(dbPath: string): Promise<Registry> {
    const absolute = path.resolve(dbPath);
    if (fs.existsSync(absolute) && fs.statSync(absolute).isDirectory()) {
      throw new RegistryError("NOT_A_REGISTRY", `${absolute} is a directory, not a registry file.`);
    }
    ensureDir(path.dirname(absolute));
    const db = prismaFor(absolute);
    let extraColumns: string[];
    try {
      ({ extraColumns } = await migrateRegistry(db, absolute));
    } catch (error) {
      await closePrisma(absolute);
      if (error instanceof RegistryError) throw error;
      if (isBusyError(error)) {
        throw new RegistryError("BUSY", `The registry ${absolute} stayed locked by another program; try again.`, {
          cause: error,
        });
      }
      throw new RegistryError("UNREADABLE", `Cannot open the registry ${absolute}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new Registry(absolute, outputDirFor(absolute), db, extraColumns);
  }

  async close(): Promise<void> {
    await closePrisma(this.dbPath);
  }

  /** Creates the output folder beside the registry and returns a fresh file path in it. */
  newOutputPath(name: string): string {
    ensureDir(this.outputDir);
    const safe = name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 40) || "process";
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
    return path.join(this.outputDir, `${safe}_${stamp}_${Math.random().toString(36).slice(2, 10)}.log`);
  }

  private async select(where: string, params: unknown[], limit?: number): Promise<ProcessRow[]> {
    const sql = `${this.selectSql} ${where} ${ORDER_NEWEST_FIRST}${limit ? ` LIMIT ${limit}` : ""}`;
    const rows = await this.db.$queryRawUnsafe<RawRow[]>(sql, ...params);
    return rows.map(decodeRow);
  }

  /**
   * Inserts or replaces a record (AYON's INSERT OR REPLACE). The hash is recomputed from
   * the values first; a record without a pid is refused and nothing is written.
   */
  async store(input: StoreInput): Promise<ProcessRow> {
    if (input.pid === null || input.pid === undefined) {
      throw new RegistryError("MISSING_PID", `Cannot store "${input.name}": a process record needs a pid.`);
    }
    if (!Number.isSafeInteger(input.pid) || input.pid <= 0) {
      throw new RegistryError("INVALID", `Cannot store "${input.name}": pid ${input.pid} is not a process id.`);
    }
    const startTime = input.startTime ?? null;
    this.writes++;
    const hash = processHash({ name: input.name, pid: input.pid, executable: input.executable, startTime });
    await this.db.$executeRawUnsafe(
      `INSERT OR REPLACE INTO process_info
        (hash, name, executable, args, env, cwd, pid, output_file, start_time, stopped, exit_code, exit_signal, ended_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      hash,
      input.name,
      input.executable.replace(/\\/g, "/"),
      JSON.stringify(input.args ?? []),
      JSON.stringify(input.env ?? {}),
      input.cwd ?? null,
      input.pid,
      input.outputFile ?? null,
      startTime,
      input.stopped ? 1 : 0,
      input.exitCode ?? null,
      input.exitSignal ?? null,
      input.endedAt ?? null,
    );
    const stored = await this.get(hash);
    if (!stored) throw new RegistryError("UNREADABLE", `Record ${hash} vanished right after it was written.`);
    return stored;
  }

  async get(hash: string): Promise<ProcessRow | null> {
    const [record] = await this.select("WHERE hash = ?", [hash], 1);
    return record ?? null;
  }

  /** The newest record with this name. */
  async getByName(name: string): Promise<ProcessRow | null> {
    const [record] = await this.select("WHERE name = ?", [name], 1);
    return record ?? null;
  }

  /** The newest record with this pid. */
  async getByPid(pid: number): Promise<ProcessRow | null> {
    const [record] = await this.select("WHERE pid = ?", [pid], 1);
    return record ?? null;
  }

  /** The record of the process running this code, if a launcher recorded it. */
  async getCurrent(): Promise<ProcessRow | null> {
    return this.getByPid(process.pid);
  }

  /**
   * A full hash, or a unique prefix of at least 6 characters (what people copy from a
   * terminal). Null when nothing matches; an error when the prefix is ambiguous.
   */
  async resolveHash(hashOrPrefix: string): Promise<string | null> {
    const wanted = hashOrPrefix.trim().toLowerCase();
    if (!/^[0-9a-f]{6,64}$/.test(wanted)) return null;
    if (wanted.length === 64) return (await this.get(wanted)) ? wanted : null;
    const rows = await this.db.$queryRawUnsafe<Array<{ hash: string }>>(
      "SELECT hash FROM process_info WHERE substr(hash, 1, ?) = ? LIMIT 2",
      wanted.length,
      wanted,
    );
    if (rows.length > 1) {
      throw new RegistryError("INVALID", `"${hashOrPrefix}" matches more than one record; give more of the hash.`);
    }
    return rows[0]?.hash ?? null;
  }

  async count(): Promise<number> {
    const [row] = await this.db.$queryRawUnsafe<Array<{ n: bigint | number }>>("SELECT COUNT(*) AS n FROM process_info");
    return Number(row?.n ?? 0);
  }

  /**
   * All rows, decoded. Kept between calls while `PRAGMA data_version` (which moves when
   * another connection commits) and our own write count stay put: a dashboard refreshing
   * every few seconds then re-reads nothing but the process table.
   */
  private async readAll(): Promise<ProcessRow[]> {
    const [row] = await this.db.$queryRawUnsafe<Array<{ data_version: bigint | number }>>("PRAGMA data_version");
    const dataVersion = Number(row?.data_version ?? -1);
    const cached = this.rowCache;
    if (cached && cached.dataVersion === dataVersion && cached.writes === this.writes) return cached.records;
    const writes = this.writes;
    const records = await this.select("", []);
    this.rowCache = { dataVersion, writes, records };
    return records;
  }

  /**
   * Every record, newest first. With invalidation (the default) each record not yet
   * stopped is checked against one process table reading, and the dead ones are marked
   * stopped, in the results and in the file, in one write.
   */
  async list(options: ListOptions = {}): Promise<ListedProcess[]> {
    const invalidate = options.invalidate ?? true;
    // The process table is read (by `ps`, another process) while the rows are read here.
    const pendingSnapshot = invalidate ? (options.snapshot ? Promise.resolve(options.snapshot) : ProcessSnapshot.take()) : null;
    pendingSnapshot?.catch(() => undefined);
    const records = await this.readAll();
    const needsCheck = records.some((r) => !r.stopped && r.pid !== null);
    const snapshot = needsCheck && pendingSnapshot ? await pendingSnapshot : undefined;

    let dead: ProcessRow[] = [];
    const statuses = new Map<string, ProcessStatus>();
    for (const record of records) {
      if (record.stopped) continue;
      // A record without a pid can never be checked, so it is always stopped (as in AYON).
      const status =
        record.pid === null
          ? "stopped"
          : snapshot
            ? statusFrom(checkLiveness(snapshot, record.pid, record.executable, record.startTime))
            : "running";
      statuses.set(record.hash, status);
      if (status === "stopped") dead.push(record);
    }
    if (snapshot && dead.length > 0) {
      const rechecked = await confirmGone(dead, snapshot);
      for (const [hash, status] of rechecked.alive) statuses.set(hash, status);
      dead = rechecked.dead;
    }
    const listed = records.map((record): ListedProcess =>
      record.withStatus(record.stopped ? "stopped" : (statuses.get(record.hash) ?? "running")),
    );
    if (dead.length > 0) {
      await this.writeStopped(dead.map((r) => r.hash));
      // Our own write: the cached rows stay valid once they say the same as the file.
      for (const record of dead) record.stopped = true;
    }
    return listed;
  }

  /** Checks one record, marks it stopped if it is gone, and says whether it runs. */
  async invalidate(hash: string, snapshot?: ProcessSnapshot): Promise<ListedProcess | null> {
    const record = await this.get(hash);
    if (!record) return null;
    if (record.stopped) return record.withStatus("stopped");
    let status: ProcessStatus = "stopped";
    if (record.pid !== null) {
      const table = snapshot ?? (await ProcessSnapshot.ofPids([record.pid]));
      status = statusFrom(checkLiveness(table, record.pid, record.executable, record.startTime));
      if (status === "stopped") status = (await confirmGone([record], table)).alive.get(record.hash) ?? "stopped";
    }
    if (status === "stopped") await this.markStopped([record.hash]);
    return record.withStatus(status);
  }

  /** Marks records stopped in one UPDATE. */
  async markStopped(hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    this.writes++;
    await this.writeStopped(hashes);
  }

  /** One UPDATE for any number of hashes (json_each avoids SQLite's parameter limit). */
  private async writeStopped(hashes: string[]): Promise<void> {
    await this.db.$executeRawUnsafe(
      "UPDATE process_info SET stopped = 1 WHERE stopped IS NOT 1 AND hash IN (SELECT value FROM json_each(?))",
      JSON.stringify(hashes),
    );
  }

  /** Records an observed exit: stopped, exit code or signal, end time. */
  async markExited(hash: string, exit: { exitCode: number | null; exitSignal: string | null; endedAt: number }): Promise<boolean> {
    this.writes++;
    const changed = await this.db.processInfo.updateMany({
      where: { hash },
      data: { stopped: 1, exitCode: exit.exitCode, exitSignal: exit.exitSignal, endedAt: exit.endedAt },
    });
    return changed.count > 0;
  }

  /**
   * Deletes records by hash and their output files (a missing file is fine). Returns
   * whether anything was deleted.
   */
  async delete(hashes: string | Iterable<string>): Promise<boolean> {
    return (await this.deleteCount(hashes)) > 0;
  }

  /** Like `delete`, returning how many records went. */
  async deleteCount(hashes: string | Iterable<string>): Promise<number> {
    const wanted = [...new Set(typeof hashes === "string" ? [hashes] : hashes)];
    if (wanted.length === 0) return 0;
    return this.deleteWhere("hash IN (SELECT value FROM json_each(?))", wanted);
  }

  /** Deletes every inactive record (after invalidating) and its output file; returns how many. */
  async deleteInactive(snapshot?: ProcessSnapshot): Promise<number> {
    const listed = await this.list({ snapshot });
    const inactive = listed.filter((r) => r.status === "stopped");
    if (inactive.length === 0) return 0;
    // Only rows still marked stopped are deleted: one re-stored meanwhile (AYON replacing
    // a row) survives, and so does its output file.
    return this.deleteWhere(
      "stopped = 1 AND hash IN (SELECT value FROM json_each(?))",
      inactive.map((r) => r.hash),
    );
  }

  /**
   * One DELETE … RETURNING: the output files removed are exactly those of the rows that
   * went, with no window between reading them and deleting.
   */
  private async deleteWhere(condition: string, hashes: string[]): Promise<number> {
    this.writes++;
    const gone = await this.db.$queryRawUnsafe<Array<{ output_file: unknown }>>(
      `DELETE FROM process_info WHERE ${condition} RETURNING output_file`,
      JSON.stringify(hashes),
    );
    for (const row of gone) removeOutputFile(row.output_file);
    return gone.length;
  }
}

/**
 * A process table reading cannot show a process that started after it was taken (a
 * shared, second-old reading, or one taken while a launch was being recorded). Before
 * marking such records stopped for good, look at them again directly.
 */
async function confirmGone(
  candidates: ProcessRow[],
  snapshot: ProcessSnapshot,
): Promise<{ dead: ProcessRow[]; alive: Map<string, ProcessStatus> }> {
  const since = snapshot.takenAt / 1000 - 2;
  const doubtful = candidates.filter((r) => r.pid !== null && (r.startTime === null || r.startTime >= since));
  const alive = new Map<string, ProcessStatus>();
  if (doubtful.length > 0) {
    const fresh = await ProcessSnapshot.ofPids(doubtful.map((r) => r.pid!));
    for (const record of doubtful) {
      const status = statusFrom(checkLiveness(fresh, record.pid, record.executable, record.startTime));
      if (status !== "stopped") alive.set(record.hash, status);
    }
  }
  return { dead: candidates.filter((r) => !alive.has(r.hash)), alive };
}

/** Removes a record's output file: only a regular file or a link, never a folder. */
function removeOutputFile(outputFile: unknown): void {
  if (typeof outputFile !== "string" || outputFile === "") return;
  try {
    const stat = fs.lstatSync(outputFile);
    if (stat.isFile() || stat.isSymbolicLink()) fs.unlinkSync(outputFile);
  } catch {
    /* already gone, or not ours to remove: deleting the record still succeeds */
  }
}
