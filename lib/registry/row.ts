import type { ListedProcess, ProcessRecord } from "./types";

/** Columns read for every record; created_at as text so that no driver reinterprets it. */
export const SELECT_COLUMNS = `hash, name, executable, args, env, cwd, pid, output_file, start_time,
  CAST(created_at AS TEXT) AS created_at, stopped, exit_code, exit_signal, ended_at, keeper_pid, stop_signal`;

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

/** An environment parsed on first read, shared by every copy of one decoded row. */
interface EnvCell {
  raw: string;
  value?: Record<string, string>;
  warnings: string[];
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
  warnings: string[] = [];
  status?: ListedProcess["status"];
  currentExecutable: string | null = null;
  #env: EnvCell | null = null;
  #envValue: Record<string, string> | null = null;

  get env(): Record<string, string> {
    if (this.#envValue) return this.#envValue;
    const cell = this.#env;
    if (!cell) return (this.#envValue = {});
    return (cell.value ??= parseEnv(cell.raw, cell.warnings));
  }

  set env(value: Record<string, string>) {
    this.#envValue = value;
  }

  setRawEnv(raw: string | null, warnings: string[]): void {
    const trimmed = raw?.trim() ?? "";
    if (trimmed === "") this.#envValue = {};
    // Obviously malformed: report it with the row, now.
    else if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) this.#envValue = parseEnv(trimmed, warnings);
    else this.#env = { raw: trimmed, warnings };
  }

  /** A copy carrying a status, sharing the (possibly not yet parsed) environment. */
  withStatus(status: ListedProcess["status"], currentExecutable: string | null = null): ListedProcess & ProcessRow {
    const copy = new ProcessRow();
    copy.hash = this.hash;
    copy.name = this.name;
    copy.executable = this.executable;
    copy.args = this.args;
    copy.cwd = this.cwd;
    copy.pid = this.pid;
    copy.outputFile = this.outputFile;
    copy.startTime = this.startTime;
    copy.createdAt = this.createdAt;
    copy.stopped = status === "stopped";
    copy.exitCode = this.exitCode;
    copy.exitSignal = this.exitSignal;
    copy.endedAt = this.endedAt;
    copy.keeperPid = this.keeperPid;
    copy.stopSignal = this.stopSignal;
    copy.warnings = this.warnings;
    copy.#env = this.#env;
    copy.#envValue = this.#envValue;
    copy.status = status;
    copy.currentExecutable = status === "stopped" ? null : currentExecutable;
    return copy as ListedProcess & ProcessRow;
  }

  toJSON(): ProcessRecord & Partial<Pick<ListedProcess, "status" | "currentExecutable">> {
    return {
      hash: this.hash,
      name: this.name,
      executable: this.executable,
      args: this.args,
      env: this.env,
      cwd: this.cwd,
      pid: this.pid,
      outputFile: this.outputFile,
      startTime: this.startTime,
      createdAt: this.createdAt,
      stopped: this.stopped,
      exitCode: this.exitCode,
      exitSignal: this.exitSignal,
      endedAt: this.endedAt,
      keeperPid: this.keeperPid,
      stopSignal: this.stopSignal,
      warnings: this.warnings,
      ...(this.status ? { status: this.status, currentExecutable: this.currentExecutable } : {}),
    };
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
  const hash = text(row.hash, "hash", warnings) ?? "";
  const name = text(row.name, "name", warnings);
  if (name === null) warnings.push("name is missing");
  const executable = text(row.executable, "executable", warnings);
  if (executable === null) warnings.push("executable is missing");
  const pid = integer(row.pid, "pid", warnings);
  const stoppedFlag = integer(row.stopped, "stopped", warnings);
  const record = new ProcessRow();
  record.hash = hash;
  record.name = name ?? "";
  record.executable = executable ?? "";
  record.args = jsonArgs(text(row.args, "args", warnings), warnings);
  record.cwd = text(row.cwd, "cwd", warnings);
  record.pid = pid;
  record.outputFile = text(row.output_file, "output_file", warnings);
  record.startTime = real(row.start_time, "start_time", warnings);
  record.createdAt = sqliteTimestampToIso(text(row.created_at, "created_at", warnings), warnings);
  record.stopped = (stoppedFlag ?? 0) !== 0;
  record.exitCode = integer(row.exit_code, "exit_code", warnings);
  record.exitSignal = text(row.exit_signal, "exit_signal", warnings);
  record.endedAt = real(row.ended_at, "ended_at", warnings);
  record.keeperPid = integer(row.keeper_pid, "keeper_pid", warnings);
  record.stopSignal = text(row.stop_signal, "stop_signal", warnings);
  record.warnings = warnings;
  record.setRawEnv(text(row.env, "env", warnings), warnings);
  for (const key in row) {
    if (key.startsWith("x:") && row[key] !== null && row[key] !== undefined) {
      warnings.push(`column ${key.slice(2)}, unknown to this version, holds data`);
    }
  }
  return record;
}
