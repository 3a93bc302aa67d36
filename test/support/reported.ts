import type { HostFacts, Report, ReportedProcess } from "@/lib/fleet/protocol";

/** A record as an agent reports it: a running `sleep`, with `change` on top. */
export function reportedProcess(change: Partial<ReportedProcess> & Pick<ReportedProcess, "hash" | "name">): ReportedProcess {
  return {
    pid: 1000,
    executable: "/bin/sleep",
    currentExecutable: null,
    user: "artist",
    args: ["60"],
    env: { A: "1" },
    cwd: "/tmp",
    status: "running",
    exitCode: null,
    exitSignal: null,
    stopSignal: null,
    exitObserved: true,
    startTime: 1_000,
    endedAt: null,
    createdAt: "2026-11-25T10:00:00.000Z",
    cpuPercent: 12,
    rssBytes: 100 * 2 ** 20,
    outputFile: "/tmp/out.log",
    outputSize: 4096,
    runawayOutput: false,
    liveChildren: 0,
    warnings: [],
    peakMemoryBytes: null,
    ownCpuPercent: null,
    ownRssBytes: null,
    cpuSeconds: null,
    endReason: null,
    ...change,
  };
}

/** A delta report of a host on top of the last one the hub accepted from it (`seq`), with `change` on top. */
export function deltaReport(host: { machineId: string; seq: number }, facts: HostFacts, change: Partial<Report> = {}): Report {
  return {
    protocol: 1,
    machineId: host.machineId,
    seq: host.seq + 1,
    base: host.seq,
    full: false,
    interval: 5,
    facts,
    upserts: [],
    removed: [],
    events: [],
    ...change,
  };
}

/** A host's facts as a hand-made report gives them: the least the protocol takes, with `extra` on top. */
export function bareFacts(hostname: string, extra: Partial<HostFacts> = {}): HostFacts {
  return {
    hostname,
    platform: "linux",
    release: "6",
    arch: "x64",
    cores: 1,
    memTotalBytes: 1,
    memUsedBytes: 1,
    load: [],
    uptimeSeconds: 1,
    agentVersion: "t",
    tags: [],
    ...extra,
  };
}
