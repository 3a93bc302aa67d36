import os from "node:os";

export interface HostInfo {
  hostname: string;
  uptimeSeconds: number;
  load: number[];
  cores: number;
  memTotalBytes: number;
  memUsedBytes: number;
}

/** The workstation at a glance, for the dashboard header. */
export function hostInfo(): HostInfo {
  const total = os.totalmem();
  return {
    hostname: os.hostname(),
    uptimeSeconds: os.uptime(),
    load: os.loadavg(),
    cores: os.cpus().length,
    memTotalBytes: total,
    memUsedBytes: total - os.freemem(),
  };
}

/** This machine's name as it reports it (to a hub, in alerts): `PROCESS_MONITOR_HOST_NAME`, else the system's. */
export function reportedHostname(): string {
  return process.env.PROCESS_MONITOR_HOST_NAME?.trim() || os.hostname();
}
