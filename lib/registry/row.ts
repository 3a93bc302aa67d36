import type { ColumnName } from "../../prisma/registry-schema";
import { timeWarning } from "../time";
import type { ListedProcess, ProcessRecord } from "./types";

/** How a column's value becomes a field: the decoder to use. */
type Kind = "key" | "required" | "text" | "integer" | "real" | "flag" | "timestamp" | "args" | "env";

/**
 * Each column (prisma/registry-schema.ts declares them) and the ProcessRecord field it
 * fills: the column list, decoding and copying all come from this one table, and the
 * compiler checks that it covers every column and every field.
 */
const FIELDS = [
  ["hash", "hash", "key"],
  ["name", "name", "required"],
  ["executable", "executable", "required"],
  ["args", "args", "args"],
  ["env", "env", "env"],
  ["cwd", "cwd", "text"],
  ["pid", "pid", "integer"],
  ["output_file", "outputFile", "text"],
  ["start_time", "startTime", "real"],
  ["created_at", "createdAt", "timestamp"],
  ["stopped", "stopped", "flag"],
  ["exit_code", "exitCode", "integer"],
  ["exit_signal", "exitSignal", "text"],
  ["ended_at", "endedAt", "real"],
  ["keeper_pid", "keeperPid", "integer"],
  ["stop_signal", "stopSignal", "text"],
  ["launched_by", "launchedBy", "text"],
] as const satisfies ReadonlyArray<readonly [ColumnName, keyof ProcessRecord, Kind]>;

type Covered<T extends 0 | 1> = T;
// Fails to compile when a column or a field is left out of FIELDS.
export type FieldsCoverColumns = Covered<Exclude<ColumnName, (typeof FIELDS)[number][0]> extends never ? 0 : 1>;
export type FieldsCoverRecord = Covered<Exclude<keyof ProcessRecord, (typeof FIELDS)[number][1] | "warnings"> extends never ? 0 : 1>;
const _columnsCovered: FieldsCoverColumns = 0;
const _recordCovered: FieldsCoverRecord = 0;
void _columnsCovered;
void _recordCovered;

const columnList = (fields: ReadonlyArray<(typeof FIELDS)[number]>) =>
  fields.map(([column]) => (column === "created_at" ? "CAST(created_at AS TEXT) AS created_at" : column)).join(", ");

/** Columns read for one record; created_at as text so that no driver reinterprets it. */
export const SELECT_COLUMNS = columnList(FIELDS);

/** The columns of a listing: every one but the environment (Registry.loadEnv reads it for the rows shown). */
export const LIST_COLUMNS = columnList(FIELDS.filter(([column]) => column !== "env"));

/** Fields copied as they are from row to row (env is shared through its cell). */
const PLAIN_KEYS = FIELDS.map(([, key]) => key).filter((key) => key !== "env");

/** Newest first; rows written in the same second keep their insertion order. */
export const ORDER_NEWEST_FIRST = "ORDER BY created_at DESC, rowid DESC";

export type RawRow = Record<string, unknown>;

function text(value: unknown, column: string, warnings: string[]): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  warnings.push(`${column} is not text`);
  return null;
}

function integer(value: unknown, column: string, warnings: string[]): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === "bigint" ? Number(value) : typeof value === "string" ? Number(value) : value;
  if (typeof n === "number" && Number.isSafeInteger(n)) return n;
  warnings.push(`${column} is not a whole number (${JSON.stringify(String(value)).slice(0, 40)})`);
  return null;
}

function real(value: unknown, column: string, warnings: string[]): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === "bigint" ? Number(value) : typeof value === "string" ? Number(value) : value;
  if (typeof n === "number" && Number.isFinite(n)) return n;
  warnings.push(`${column} is not a number (${JSON.stringify(String(value)).slice(0, 40)})`);
  return null;
}

function jsonArgs(raw: string | null, warnings: string[]): string[] {
  if (raw === null || raw === "") return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed)) return parsed.map((item) => (typeof item === "string" ? item : JSON.stringify(item)));
    warnings.push("args is not a JSON array");
  } catch {
    warnings.push("args is not valid JSON");
  }
  return [];
}

function parseEnv(raw: string, warnings: string[]): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) env[k] = typeof v === "string" ? v : JSON.stringify(v);
      return env;
    }
    warnings.push("env is not a JSON object");
  } catch {
    warnings.push("env is not valid JSON");
  }
  return {};
}

/**
 * An environment parsed on first read, shared by every copy of one decoded row. `raw` is
 * undefined while it was not read: a listing reads every row but the environment (AYON's are
 * kilobytes each: at 10,000 records it was most of a first listing), Registry.loadEnv reads
 * the environments of the rows that are shown.
 */
interface EnvCell {
  raw: string | undefined;
  value?: Record<string, string>;
  warnings: string[];
}

/** A row's environment asked before it was read: a caller that skipped Registry.loadEnv (a bug, never shown as an empty environment). */
export class EnvNotLoadedError extends Error {
  constructor(hash: string) {
    super(`The environment of ${hash} was not read: list it with its environment (Registry.loadEnv).`);
  }
}

/**
 * A decoded row. `env` is parsed on first read: a launcher's environment is often the
 * whole shell environment (kilobytes per row) and a listing of thousands of rows rarely
 * needs it. A class rather than `defineProperty` keeps the objects fast; `toJSON` makes
 * the getter serialise like a plain field.
 */
export class ProcessRow implements ProcessRecord {
  hash = "";
  name = "";
  executable = "";
  args: string[] = [];
  cwd: string | null = null;
  pid: number | null = null;
  outputFile: string | null = null;
  startTime: number | null = null;
  createdAt: string | null = null;
  stopped = false;
  exitCode: number | null = null;
  exitSignal: string | null = null;
  endedAt: number | null = null;
  keeperPid: number | null = null;
  stopSignal: string | null = null;
  launchedBy: string | null = null;
  warnings: string[] = [];
  status?: ListedProcess["status"];
  currentExecutable: string | null = null;
  #env: EnvCell | null = null;
  #envValue: Record<string, string> | null = null;

  get env(): Record<string, string> {
    if (this.#envValue) return this.#envValue;
    const cell = this.#env;
    if (!cell) return (this.#envValue = {});
    if (cell.raw === undefined) throw new EnvNotLoadedError(this.hash);
    return (cell.value ??= parseEnv(cell.raw, cell.warnings));
  }

  set env(value: Record<string, string>) {
    this.#envValue = value;
  }

  /** Whether its environment was read (always, but for a row listed without it). */
  get envLoaded(): boolean {
    return this.#envValue !== null || this.#env?.raw !== undefined;
  }

  /** The environment as stored; for a row listed without it, once read (every copy of the row shares it). */
  setRawEnv(raw: string | null, warnings = this.warnings): void {
    const trimmed = raw?.trim() ?? "";
    const cell = this.#env;
    if (trimmed.startsWith("{") && trimmed.endsWith("}")) {
      if (cell) cell.raw = trimmed;
      else this.#env = { raw: trimmed, warnings };
      return;
    }
    // Empty, or obviously malformed (reported with the row, now).
    const value = trimmed === "" ? {} : parseEnv(trimmed, warnings);
    if (cell) Object.assign(cell, { raw: trimmed, value });
    else this.#envValue = value;
  }

  /** The env column's value read later (Registry.loadEnv), decoded as decodeRow decodes it. */
  readEnvColumn(value: unknown): void {
    this.setRawEnv(text(value, "env", this.warnings));
  }

  /** A row listed without its environment: read later, by Registry.loadEnv. */
  unreadEnv(warnings: string[]): void {
    this.#env = { raw: undefined, warnings };
  }

  /** A stopped row as listed: itself, since nothing a listing finds can change a stopped record's status. */
  asStopped(): ListedProcess & ProcessRow {
    this.status = "stopped";
    this.currentExecutable = null;
    return this as ListedProcess & ProcessRow;
  }

  /** A copy carrying a status, sharing the (possibly not yet parsed) environment. */
  withStatus(status: ListedProcess["status"], currentExecutable: string | null = null): ListedProcess & ProcessRow {
    const copy = new ProcessRow();
    const from = this as unknown as Record<string, unknown>;
    const to = copy as unknown as Record<string, unknown>;
    for (const key of PLAIN_KEYS) to[key] = from[key];
    copy.stopped = status === "stopped";
    copy.warnings = this.warnings;
    copy.#env = this.#env;
    copy.#envValue = this.#envValue;
    copy.status = status;
    copy.currentExecutable = status === "stopped" ? null : currentExecutable;
    return copy as ListedProcess & ProcessRow;
  }

  toJSON(): ProcessRecord & Partial<Pick<ListedProcess, "status" | "currentExecutable">> {
    const json: Record<string, unknown> = {};
    for (const [, key] of FIELDS) json[key] = this[key];
    json.warnings = this.warnings;
    if (this.status) Object.assign(json, { status: this.status, currentExecutable: this.currentExecutable });
    return json as unknown as ProcessRecord;
  }
}

/** SQLite's `YYYY-MM-DD HH:MM:SS` (UTC) to ISO 8601. */
export function sqliteTimestampToIso(value: string | null, warnings: string[]): string | null {
  if (value === null) return null;
  // The common case, SQLite's own CURRENT_TIMESTAMP text, without a regular expression.
  if (value.length === 19 && value[10] === " " && value[4] === "-" && value[13] === ":") {
    const date = new Date(`${value.slice(0, 10)}T${value.slice(11)}Z`);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  const date = match ? new Date(`${match[1]}T${match[2]}${match[3] ?? "Z"}`) : null;
  if (!date || Number.isNaN(date.getTime())) {
    warnings.push(`created_at is not a timestamp (${JSON.stringify(value).slice(0, 40)})`);
    return null;
  }
  return date.toISOString();
}

/** Decodes a row tolerantly: a bad value never makes the whole listing fail. */
export function decodeRow(row: RawRow): ProcessRow {
  const warnings: string[] = [];
  const record = new ProcessRow();
  const fields = record as unknown as Record<string, unknown>;
  let rawEnv: string | null = null;
  for (const [column, key, kind] of FIELDS) {
    const value = row[column];
    switch (kind) {
      case "key":
        fields[key] = text(value, column, warnings) ?? "";
        break;
      case "required": {
        const decoded = text(value, column, warnings);
        if (decoded === null) warnings.push(`${column} is missing`);
        fields[key] = decoded ?? "";
        break;
      }
      case "text":
        fields[key] = text(value, column, warnings);
        break;
      case "integer":
        fields[key] = integer(value, column, warnings);
        break;
      case "real":
        fields[key] = real(value, column, warnings);
        break;
      case "flag":
        fields[key] = (integer(value, column, warnings) ?? 0) !== 0;
        break;
      case "timestamp":
        fields[key] = sqliteTimestampToIso(text(value, column, warnings), warnings);
        break;
      case "args":
        fields[key] = jsonArgs(text(value, column, warnings), warnings);
        break;
      case "env":
        // Parsed on first read (see ProcessRow), after the other fields.
        rawEnv = text(value, column, warnings);
        break;
    }
  }
  // Kept as stored (the hash and the identity check use start_time); shown as unknown.
  for (const warning of [timeWarning("start_time", record.startTime), timeWarning("ended_at", record.endedAt)]) {
    if (warning) warnings.push(warning);
  }
  record.warnings = warnings;
  if ("env" in row) record.setRawEnv(rawEnv, warnings);
  else record.unreadEnv(warnings);
  for (const key in row) {
    if (key.startsWith("x:") && row[key] !== null && row[key] !== undefined) {
      warnings.push(`column ${key.slice(2)}, unknown to this version, holds data`);
    }
  }
  return record;
}
