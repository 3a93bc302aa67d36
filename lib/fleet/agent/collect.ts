import os from "node:os";
import type { LocalProcesses } from "../../processes/local";
import { ALL } from "../../processes/query";
import { alertLines } from "../../output/tail";
import { hostInfo } from "../../system/host";
import { agentCommands } from "./commands";
import { fitRecord, PROTOCOL_VERSION, reportedOf, type ExitEvent, type HostFacts, type ReportedProcess } from "../protocol";

export function hostFacts(hostname: string): HostFacts {
  const info = hostInfo();
  return {
    hostname,
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cores: info.cores,
    memTotalBytes: info.memTotalBytes,
    memUsedBytes: info.memUsedBytes,
    load: info.load,
    uptimeSeconds: info.uptimeSeconds,
    agentVersion: `process-monitor protocol ${PROTOCOL_VERSION}`,
    tags: hostTags(),
    commands: agentCommands(),
  };
}

/** PROCESS_MONITOR_HOST_TAGS: the machine's labels, separated by commas or spaces (at most 20, 40 characters each, each once). */
export function hostTags(value = process.env.PROCESS_MONITOR_HOST_TAGS): string[] {
  const tags = (value ?? "")
    .split(/[\s,]+/)
    .map((t) => t.trim().slice(0, 40))
    .filter(Boolean);
  return [...new Set(tags)].slice(0, 20);
}

/** Every record of this workstation, checked now, as the hub stores it. */
export async function collectProcesses(processes: LocalProcesses): Promise<ReportedProcess[]> {
  // Ends decided before they are reported: the hub's pages and alerts say why (a locked registry: next time).
  await processes.settleEnds().catch(() => 0);
  const list = await processes.list({ ...ALL, sort: "output" });
  return list.items.map(({ record, view }) =>
    fitRecord({
      ...reportedOf(view, record.env),
      cpuPercent: view.cpuPercent === null ? null : Math.round(view.cpuPercent * 10) / 10,
    }),
  );
}

/** Adds what an alert shows of each ended record: the last 20 lines of its output (read once), why it ended, its peak memory. */
export async function withLastLines(exits: ExitEvent[], current: ReportedProcess[]): Promise<ExitEvent[]> {
  const records = new Map(current.map((p) => [p.hash, p]));
  return Promise.all(
    exits.map(async (exit) => {
      const record = records.get(exit.hash);
      return {
        ...exit,
        lastLines: await alertLines(record?.outputFile ?? null),
        endReason: record?.endReason ?? null,
        peakMemoryBytes: record?.peakMemoryBytes ?? null,
      };
    }),
  );
}
