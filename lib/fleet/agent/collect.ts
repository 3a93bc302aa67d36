import os from "node:os";
import type { LocalProcesses } from "../../processes/local";
import { ALL } from "../../processes/query";
import { alertLines } from "../../output/tail";
import { hostInfo } from "../../system/host";
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
  };
}

/** Every record of this workstation, checked now, as the hub stores it. */
export async function collectProcesses(processes: LocalProcesses): Promise<ReportedProcess[]> {
  const list = await processes.list({ ...ALL, sort: "output" });
  return list.items.map(({ record, view }) =>
    fitRecord({
      ...reportedOf(view, record.env),
      cpuPercent: view.cpuPercent === null ? null : Math.round(view.cpuPercent * 10) / 10,
    }),
  );
}

/** Adds the last 20 lines of each ended record's output (what an alert shows), read once. */
export async function withLastLines(exits: ExitEvent[], current: ReportedProcess[]): Promise<ExitEvent[]> {
  const files = new Map(current.map((p) => [p.hash, p.outputFile]));
  return Promise.all(
    exits.map(async (exit) => {
      return { ...exit, lastLines: await alertLines(files.get(exit.hash) ?? null) };
    }),
  );
}
