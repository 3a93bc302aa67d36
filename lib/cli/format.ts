import type { ListedProcess } from "../registry/types";
import { endReasonOf } from "../registry/end-reason";
import { statusText } from "../processes/status";
import { userOf } from "../registry/json";
import { formatBytes, formatCpuTime } from "../format";
import { isTime } from "../time";

/** The dashboard's words for a status ("running (unverified)", "exited 1 · Python traceback", …). */
const statusLabel = (record: ListedProcess) => statusText({ ...pick(record), endReason: endReasonOf(record) });

const pick = ({ status, exitCode, exitSignal, stopSignal }: ListedProcess) => ({ status, exitCode, exitSignal, stopSignal });

function localTime(seconds: number | null): string {
  if (seconds === null) return "-";
  if (!isTime(seconds)) return "unknown";
  const date = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A plain aligned table for terminals; hashes shortened to 12 characters (any unique prefix works). */
export function formatTable(records: ListedProcess[]): string {
  const header = ["HASH", "STATUS", "PID", "NAME", "STARTED", "EXECUTABLE"];
  const rows = records.map((r) => [
    r.hash.slice(0, 12),
    statusLabel(r),
    r.pid === null ? "-" : String(r.pid),
    r.name,
    localTime(r.startTime),
    r.currentExecutable ? `${r.executable} -> ${r.currentExecutable}` : r.executable,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export function formatDetails(r: ListedProcess): string {
  const why = endReasonOf(r);
  const lines: Array<[string, string]> = [
    ["hash", r.hash],
    ["name", r.name],
    ["status", statusLabel(r)],
    ["pid", r.pid === null ? "-" : String(r.pid)],
    ["user", userOf(r) ?? "-"],
    ["executable", r.executable],
    ...(r.currentExecutable ? ([["now runs", `${r.currentExecutable} (exec'd)`]] as Array<[string, string]>) : []),
    ["args", r.args.length ? JSON.stringify(r.args) : "(none)"],
    ["cwd", r.cwd ?? "-"],
    ["started", localTime(r.startTime)],
    ["created", r.createdAt ?? "-"],
    ["ended", localTime(r.endedAt)],
    ...(why ? ([["why", why.text]] as Array<[string, string]>) : []),
    ...(r.end?.peakMemoryBytes != null ? ([["peak mem", formatBytes(r.end.peakMemoryBytes)]] as Array<[string, string]>) : []),
    ...(r.end?.cpuSeconds != null ? ([["cpu time", formatCpuTime(r.end.cpuSeconds)]] as Array<[string, string]>) : []),
    ["output", r.outputFile ?? "-"],
    ["env", `${Object.keys(r.env).length} variables (use --json to see them)`],
  ];
  if (r.warnings.length) lines.push(["warnings", r.warnings.join("; ")]);
  return lines.map(([k, v]) => `${k.padEnd(11)}${v}`).join("\n");
}
