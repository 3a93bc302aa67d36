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
