import fs from "node:fs";
import path from "node:path";
import { closeDb, dbFor, type Db, type DbDriver } from "../db/client";
import { tightenCompanions } from "../db/private-file";
import { ensureDir, outputDirFor } from "../config/paths";
import type { ProcessSnapshot } from "../system/snapshot";
import { reconcile, reconcileOne, statusOf, UNCHECKED } from "../system/reconcile";
import { knownFailure, type FailureCode } from "../failure";
import { RegistryError, isBusyError } from "./errors";
import { isHashPrefix, processHash } from "./hash";
import { pythonPathStr } from "./python-format";
import { exitsDirFor, readObservedExits } from "./exits";
import { migrateRegistry } from "./migrate";
import * as ends from "./end-store";
import type { UsagePoint } from "./history";
import { LIST_COLUMNS, ORDER_NEWEST_FIRST, ProcessRow, SELECT_COLUMNS, decodeRow, type RawRow } from "./row";
import type { DeleteResult, LeftAlone, ListedProcess, ProcessRecord, StoreInput } from "./types";

export interface ListOptions {
  /** Check every record not yet stopped and mark the dead ones (default true). */
  invalidate?: boolean;
  /** A process table reading to reuse; one is taken when needed otherwise. */
  snapshot?: ProcessSnapshot;
  /**
   * With every record's environment (default true). A listing that shows a few of them passes
   * false and reads those with loadEnv: AYON's are kilobytes each, most of a first listing.
   */
  env?: boolean;
}

/**
 * The registry file: AYON's `process_info` table, shared with the AYON launcher and our
 * CLI. Every operation of SPEC "Operations the registry offers" lives here.
 */
export class Registry {
  /** Bumped by every write through this object, so cached rows are never stale. */
  private writes = 0;
  private rowCache: { dataVersion: number; writes: number; records: ProcessRow[] } | null = null;
  /** Bumped by every write to the end tables through this object (rows' writes have their own). */
  private endWrites = 0;
  /** The ends of the cached rows, kept while neither they nor the end tables changed. */
  private endCache: { records: ProcessRow[]; endWrites: number; kept: Map<string, ends.EndSummary> } | null = null;
  /** The sidecar folder's mtime when it was last emptied: unchanged means nothing new to fold. */
  private exitsFolded = -1;

  private constructor(
    readonly dbPath: string,
    readonly outputDir: string,
    private readonly db: Db,
    private readonly driver: DbDriver,
    /** Columns of the file that this version does not know. */
    readonly extraColumns: string[] = [],
  ) {
    const extra = extraColumns.map((c) => `, "${c.replace(/"/g, '""')}" AS "x:${c.replace(/"/g, '""')}"`).join("");
    this.selectSql = `SELECT ${SELECT_COLUMNS}${extra} FROM process_info`;
    this.listSql = `SELECT ${LIST_COLUMNS}${extra} FROM process_info`;
  }

  private readonly selectSql: string;
  /** A listing's: without the environments (loadEnv). */
  private readonly listSql: string;

  /** Opens (creating or upgrading in place) the registry at `dbPath`. */
  static async open(dbPath: string, options: { driver?: DbDriver } = {}): Promise<Registry> {
    const absolute = path.resolve(dbPath);
    if (fs.existsSync(absolute) && fs.statSync(absolute).isDirectory()) {
      throw new RegistryError("NOT_A_REGISTRY", `${absolute} is a directory, not a registry file.`);
    }
    ensureDir(path.dirname(absolute));
    const driver = options.driver ?? "prisma";
    const db = await dbFor(absolute, driver);
    let extraColumns: string[];
    try {
      ({ extraColumns } = await migrateRegistry(db, absolute));
      tightenCompanions(absolute);
    } catch (error) {
      await closeDb(absolute, driver);
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
    return new Registry(absolute, outputDirFor(absolute), db, driver, extraColumns);
  }

  async close(): Promise<void> {
    await closeDb(this.dbPath, this.driver);
  }

  /** Creates the output folder beside the registry and returns a fresh file path in it. */
  newOutputPath(name: string): string {
    ensureDir(this.outputDir);
    const safe = name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 40) || "process";
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
    return path.join(this.outputDir, `${safe}_${stamp}_${Math.random().toString(36).slice(2, 10)}.log`);
  }

  /** Rows, decoded; `selectFrom`: a listing's SELECT (listSql) or the default, with every column. */
  private async select(where: string, params: unknown[], limit?: number, selectFrom = this.selectSql): Promise<ProcessRow[]> {
    const sql = `${selectFrom} ${where} ${ORDER_NEWEST_FIRST}${limit ? ` LIMIT ${limit}` : ""}`;
    const rows = await this.db.query<RawRow>(sql, ...params);
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
    await this.db.execute(
      `INSERT OR REPLACE INTO process_info
        (hash, name, executable, args, env, cwd, pid, output_file, start_time, stopped, exit_code, exit_signal, ended_at, keeper_pid,
          launched_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      hash,
      input.name,
      pythonPathStr(input.executable),
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
      input.keeperPid ?? null,
      input.launchedBy ?? null,
    );
    const stored = await this.get(hash);
    if (!stored) throw new RegistryError("UNREADABLE", `Record ${hash} vanished right after it was written.`);
    return stored;
  }

  /** The hashes of records not marked stopped that have a pid, read alone (no row is parsed). */
  async unstoppedHashes(): Promise<string[]> {
    const rows = await this.db.query<{ hash: string }>("SELECT hash FROM process_info WHERE stopped IS NOT 1 AND pid IS NOT NULL");
    return rows.map((r) => String(r.hash));
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
    if (!isHashPrefix(wanted)) return null;
    if (wanted.length === 64) return (await this.get(wanted)) ? wanted : null;
    const rows = await this.db.query<{ hash: string }>(
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
    const [row] = await this.db.query<{ n: bigint | number }>("SELECT COUNT(*) AS n FROM process_info");
    return Number(row?.n ?? 0);
  }

  /**
   * All rows, decoded. Kept between calls while `PRAGMA data_version` (which moves when
   * another connection commits) and our own write count stay put: a dashboard refreshing
   * every few seconds then re-reads nothing but the process table.
   */
  private async readAll(env: boolean): Promise<ProcessRow[]> {
    const [row] = await this.db.query<{ data_version: bigint | number }>("PRAGMA data_version");
    const dataVersion = Number(row?.data_version ?? -1);
    const cached = this.rowCache;
    if (cached && cached.dataVersion === dataVersion && cached.writes === this.writes) {
      if (env) await this.loadEnv(cached.records);
      return cached.records;
    }
    const writes = this.writes;
    const records = await this.select("", [], undefined, env ? this.selectSql : this.listSql);
    this.rowCache = { dataVersion, writes, records };
    return records;
  }

  /**
   * Reads the environments of listed rows that were listed without them (a page's, the ones a
   * command prints), in one query. A row deleted meanwhile gets none.
   */
  async loadEnv(records: ReadonlyArray<ProcessRecord>): Promise<void> {
    const missing = records.filter((r): r is ProcessRow => r instanceof ProcessRow && !r.envLoaded);
    if (missing.length === 0) return;
    // Most of the file: one pass over it beats looking each row up.
    const rows =
      missing.length > ENV_LOOKUPS
        ? await this.db.query<{ hash: string; env: unknown }>("SELECT hash, env FROM process_info")
        : await this.db.query<{ hash: string; env: unknown }>(
            "SELECT hash, env FROM process_info WHERE hash IN (SELECT value FROM json_each(?))",
            JSON.stringify(missing.map((r) => r.hash)),
          );
    const envs = new Map(rows.map((r) => [String(r.hash), r.env]));
    for (const record of missing) record.readEnvColumn(envs.get(record.hash));
  }

  /**
   * Every record, newest first. With invalidation (the default) each record not yet
   * stopped is checked against the process table, and the dead ones are marked stopped,
   * in the results and in the file, in one write. On Linux the check reads /proc for the
   * pids the records name and nothing else. A given snapshot (a shared recent reading)
   * is used instead, with any "gone" it cannot vouch for checked again.
   */
  async list(options: ListOptions = {}): Promise<ListedProcess[]> {
    const invalidate = options.invalidate ?? true;
    // A listing's own writes are left for a later listing when the disk is full: what it read is
    // still worth showing, and nothing is lost (the next listing finds the same). The ends kept
    // in sidecars come first and wait for the lock as long as any write: a record found gone
    // before its end is folded in would be sent to the hub as an end without its exit code.
    if (invalidate) await this.foldExits().catch((error: unknown) => leaveForLater(error, ["DISK_FULL"]));
    const records = await this.readAll(options.env ?? true);
    // Whether each runs is the system's to say (lib/system/reconcile.ts); this stores the answer.
    const { verdicts, gone } = await reconcile(records, { check: invalidate, snapshot: options.snapshot });
    const cachedEnds = this.endCache;
    const kept =
      cachedEnds?.records === records && cachedEnds.endWrites === this.endWrites
        ? cachedEnds.kept
        : await this.endsOf(records, { host: false });
    this.endCache = { records, endWrites: this.endWrites, kept };
    // A stopped row lists as itself (its status cannot change while it is cached): a listing of
    // 10,000 records makes new objects for the ones it checks only (issue 36).
    const listed = records.map((record): ListedProcess => {
      if (record.stopped) return withEnd(record.asStopped(), kept);
      const verdict = verdicts.get(record.hash) ?? UNCHECKED;
      return withEnd(record.withStatus(statusOf(verdict.liveness), verdict.currentExecutable), kept);
    });
    if (gone.length > 0) {
      // Marking records found gone also waits only briefly for another program's lock.
      const stored = await this.writeStopped(
        gone.map((r) => r.hash),
        { soon: true },
      ).then(
        () => true,
        (error: unknown) => leaveForLater(error, ["DISK_FULL", "BUSY"]),
      );
      // Our own write: the cached rows stay valid once they say the same as the file.
      if (stored) for (const record of gone) record.stopped = true;
    }
    return listed;
  }

  /** Checks one record, marks it stopped if it is gone, and says whether it runs. */
  async invalidate(hash: string, snapshot?: ProcessSnapshot): Promise<ListedProcess | null> {
    await this.foldExits();
    const record = await this.get(hash);
    if (!record) return null;
    const kept = await this.endsOf([record], { host: true });
    if (record.stopped) return withEnd(record.withStatus("stopped"), kept);
    const verdict = await reconcileOne(record, snapshot);
    if (verdict.liveness === "gone") await this.markStopped([record.hash]);
    return withEnd(record.withStatus(statusOf(verdict.liveness), verdict.currentExecutable), kept);
  }

  /**
   * Records the ends that keepers left in sidecar files (the registry was locked, or the
   * keeper could not call back), then removes the files. A stat of one folder when there
   * is nothing new. Returns how many records it completed.
   */
  async foldExits(): Promise<number> {
    let mtime: number;
    try {
      mtime = fs.statSync(exitsDirFor(this.outputDir)).mtimeMs;
    } catch {
      return 0;
    }
    if (mtime === this.exitsFolded) return 0;
    const { exits, malformed } = readObservedExits(this.outputDir);
    let folded = 0;
    for (const exit of exits) {
      this.writes++;
      folded += await this.db.execute(
        "UPDATE process_info SET stopped = 1, exit_code = ?, exit_signal = ?, ended_at = ? WHERE output_file = ? AND pid = ?",
        exit.exitCode,
        exit.exitSignal,
        exit.endedAt,
        exit.outputFile,
        exit.pid,
      );
      if (exit.cpuSeconds !== null || exit.oomKills !== null || exit.peakBytes !== null) {
        await ends.noteKeeperEnd(this.db, { outputFile: exit.outputFile, pid: exit.pid }, exit);
      }
      // Recorded, or its record was deleted meanwhile: either way nothing is left to do.
      fs.rmSync(exit.sidecar, { force: true });
    }
    for (const file of malformed) console.warn(`process-monitor: ignoring a malformed exit file ${file}`);
    this.exitsFolded = malformed.length === 0 ? fs.statSync(exitsDirFor(this.outputDir)).mtimeMs : -1;
    return folded;
  }

  // ---- our own tables: what outlives a record's process (SPEC "The end record") ----

  /**
   * The end records of these rows (all of them for a whole listing); none when the tables
   * cannot be read. `host`: with the machine at the end, which only a record's own page shows.
   */
  private async endsOf(records: ProcessRow[], { host }: { host: boolean }): Promise<Map<string, ends.EndSummary>> {
    return ends.readEnds(this.db, records.length > 500 ? null : records.map((r) => r.hash), { host }).catch(() => new Map());
  }

  /** Peaks, CPU time and why it ended, of the records that have them. */
  async ends(hashes: string[]): Promise<Map<string, ends.EndSummary>> {
    return ends.readEnds(this.db, hashes);
  }

  /** A record's usage history, oldest first. */
  async history(hash: string): Promise<UsagePoint[]> {
    return ends.readHistory(this.db, hash);
  }

  /** A relaunch of ours: `hash` repeats `origin`. */
  async noteRelaunch(hash: string, origin: string): Promise<void> {
    await ends.noteRelaunch(this.db, hash, origin);
  }

  /** What a record relaunched, and what relaunched it. */
  async relaunchLinks(hash: string) {
    return ends.relaunchLinks(this.db, hash);
  }

  /** A launch of ours starts its end record with the machine's OOM counter. */
  async beginEnd(hash: string, oomKills: number | null): Promise<void> {
    this.endWrites++;
    await ends.beginEnd(this.db, hash, oomKills);
  }

  async addSamples(samples: ends.Sample[]): Promise<void> {
    this.endWrites++;
    await ends.addSamples(this.db, samples);
  }

  /** History points alone (a run's last, at its end). */
  async addPoints(points: Array<Pick<ends.Sample, "hash" | "point">>): Promise<void> {
    this.endWrites++;
    await ends.addPoints(this.db, points);
  }

  /** Ended records whose end was not looked at yet. */
  async unsettledEnds(): Promise<ends.EndRow[]> {
    return ends.unsettledEnds(this.db);
  }

  async settleEnd(hash: string, reason: ends.StoredEndReason | null, host: ends.HostAtEnd | null): Promise<void> {
    this.endWrites++;
    await ends.settleEnd(this.db, hash, reason, host);
  }

  /** Notes that a stop of ours is signalling the process, before any signal goes. */
  async markStopRequested(hash: string, signal: string): Promise<void> {
    this.writes++;
    await this.db.execute("UPDATE process_info SET stop_signal = ? WHERE hash = ?", signal, hash);
  }

  /** Marks records stopped in one UPDATE. */
  async markStopped(hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    this.writes++;
    await this.writeStopped(hashes);
  }

  /** One UPDATE for any number of hashes (json_each avoids SQLite's parameter limit). */
  private async writeStopped(hashes: string[], { soon = false }: { soon?: boolean } = {}): Promise<void> {
    await this.db[soon ? "executeSoon" : "execute"](
      "UPDATE process_info SET stopped = 1 WHERE stopped IS NOT 1 AND hash IN (SELECT value FROM json_each(?))",
      JSON.stringify(hashes),
    );
  }

  /** Records an observed exit: stopped, exit code or signal, end time. */
  async markExited(hash: string, exit: { exitCode: number | null; exitSignal: string | null; endedAt: number }): Promise<boolean> {
    this.writes++;
    const changed = await this.db.execute(
      "UPDATE process_info SET stopped = 1, exit_code = ?, exit_signal = ?, ended_at = ? WHERE hash = ?",
      exit.exitCode,
      exit.exitSignal,
      exit.endedAt,
      hash,
    );
    return changed > 0;
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
    return (await this.remove(hashes)).deleted;
  }

  /** Deletes records and their output files; says which files it left alone, and why. */
  async remove(hashes: string | Iterable<string>): Promise<DeleteResult> {
    const wanted = [...new Set(typeof hashes === "string" ? [hashes] : hashes)];
    if (wanted.length === 0) return { deleted: 0, filesLeftAlone: [] };
    const { deleted, filesLeftAlone } = await this.deleteWhere("hash IN (SELECT value FROM json_each(?))", wanted);
    return { deleted, filesLeftAlone };
  }

  /**
   * Deletes the given records that are still stopped (one re-stored or found running
   * meanwhile stays), with their output files; says which records went (retention).
   */
  async removeStopped(hashes: string[]): Promise<DeleteResult & { hashes: string[] }> {
    const total: DeleteResult & { hashes: string[] } = { deleted: 0, filesLeftAlone: [], hashes: [] };
    // In batches: one statement over tens of thousands of rows would hold the event loop
    // (the driver is synchronous) and the file's write lock for a second or more.
    for (let i = 0; i < hashes.length; i += 1000) {
      const part = await this.deleteWhere("stopped = 1 AND hash IN (SELECT value FROM json_each(?))", hashes.slice(i, i + 1000));
      total.deleted += part.deleted;
      total.filesLeftAlone.push(...part.filesLeftAlone);
      total.hashes.push(...part.hashes);
    }
    // What another program's deletes (AYON's) left of ours goes with a pass too.
    await ends.forgetOrphans(this.db);
    return total;
  }

  /** Deletes every inactive record (after invalidating) and its output file; returns how many. */
  async deleteInactive(snapshot?: ProcessSnapshot): Promise<number> {
    return (await this.removeInactive(snapshot)).deleted;
  }

  /** Like `deleteInactive`, saying which output files it left alone. */
  async removeInactive(snapshot?: ProcessSnapshot): Promise<DeleteResult> {
    const listed = await this.list({ snapshot });
    const inactive = listed.filter((r) => r.status === "stopped");
    if (inactive.length === 0) return { deleted: 0, filesLeftAlone: [] };
    // Only rows still marked stopped are deleted: one re-stored meanwhile (AYON replacing
    // a row) survives, and so does its output file.
    const { deleted, filesLeftAlone } = await this.removeStopped(inactive.map((r) => r.hash));
    return { deleted, filesLeftAlone };
  }

  /**
   * One DELETE … RETURNING: the output files removed are exactly those of the rows that
   * went, with no window between reading them and deleting.
   */
  private async deleteWhere(condition: string, hashes: string[]): Promise<DeleteResult & { hashes: string[] }> {
    this.writes++;
    const gone = await this.db.query<{ hash: string; output_file: unknown }>(
      `DELETE FROM process_info WHERE ${condition} RETURNING hash, output_file`,
      JSON.stringify(hashes),
    );
    // Their history and end record go with them.
    await ends.forgetEnds(
      this.db,
      gone.map((row) => row.hash),
    );
    const filesLeftAlone: LeftAlone[] = [];
    // A file that a remaining record still names stays: a relaunch or an AYON row can share it
    // with a stopped one, and it may be a running program's output.
    const named = gone.map((row) => row.output_file).filter((f): f is string => typeof f === "string" && f !== "");
    const stillNamed = new Set(
      named.length === 0
        ? []
        : (
            await this.db.query<{ output_file: string }>(
              "SELECT DISTINCT output_file FROM process_info WHERE output_file IN (SELECT value FROM json_each(?))",
              JSON.stringify([...new Set(named)]),
            )
          ).map((row) => row.output_file),
    );
    // One realpath per folder, not per file: a retention pass removes thousands from one folder.
    const realpaths = new Map<string, string | null>();
    for (const [index, row] of gone.entries()) {
      // Let other requests in between: a retention pass may remove thousands of files.
      if (index > 0 && index % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (typeof row.output_file === "string" && stillNamed.has(row.output_file)) {
        filesLeftAlone.push({ file: path.resolve(row.output_file), reason: "another record still names it" });
        continue;
      }
      const kept = removeOutputFile(row.output_file, this.outputDir, realpaths);
      if (kept) filesLeftAlone.push(kept);
    }
    return { deleted: gone.length, filesLeftAlone, hashes: gone.map((row) => row.hash) };
  }
}

/** Up to this many environments are looked up by hash; more are read in one pass over the file. */
const ENV_LOOKUPS = 200;

function withEnd<T extends ListedProcess>(record: T, kept: Map<string, ends.EndSummary>): T {
  // Set or cleared: a stopped row is listed as itself, and its end may have gone since.
  const end = kept.get(record.hash);
  if (end) record.end = end;
  else if (record.end) delete record.end;
  return record;
}

/** A listing's write that failed for one of these conditions is left for a later one (false); anything else is thrown. */
function leaveForLater(error: unknown, conditions: FailureCode[]): false {
  const code = knownFailure(error)?.code;
  if (code && conditions.includes(code)) return false;
  throw error;
}

/**
 * Removes a record's output file, only when it sits inside the output folder (links in its
 * path resolved): a row naming any other file (hand-edited, or written by a confused
 * program) must not make a delete remove it. Returns what was left alone and why.
 */
function removeOutputFile(outputFile: unknown, outputDir: string, realpaths = new Map<string, string | null>()): LeftAlone | null {
  if (typeof outputFile !== "string" || outputFile === "") return null;
  const file = path.resolve(outputFile);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return null; // already gone
  }
  if (!isInside(file, outputDir, realpaths)) return { file, reason: `outside ${outputDir}` };
  if (!stat.isFile() && !stat.isSymbolicLink()) return { file, reason: "not a regular file" };
  try {
    fs.unlinkSync(file);
    return null;
  } catch (error) {
    return { file, reason: (error as Error).message };
  }
}

function isInside(file: string, folder: string, realpaths: Map<string, string | null>): boolean {
  const within = (child: string, parent: string) => {
    const relative = path.relative(parent, child);
    return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
  };
  if (!within(file, folder)) return false;
  const real = (dir: string): string | null => {
    if (!realpaths.has(dir)) {
      let resolved: string | null = null;
      try {
        resolved = fs.realpathSync(dir);
      } catch {
        resolved = null;
      }
      realpaths.set(dir, resolved);
    }
    return realpaths.get(dir)!;
  };
  // The folder holding the file, links resolved, must still be inside the real output folder.
  const realFolder = real(folder);
  const realParent = real(path.dirname(file));
  if (realFolder === null || realParent === null) return false;
  return realParent === realFolder || within(realParent, realFolder);
}
