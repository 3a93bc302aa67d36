import "server-only";
import { Gauge } from "prom-client";
import { shared } from "../config/shared";
import { serverEnv } from "../config/server-env";
import { fleet } from "../fleet/hub/server";
import { HOST_STATUSES } from "../fleet/hub/status";
import { ALL } from "../processes/query";
import { processes } from "../processes/server";
import { DISPLAY_STATUSES, type DisplayStatus } from "../processes/view-schema";
import { instruments } from "../metrics/instruments";
import { hostSeries } from "../metrics/host-series";

// The gauges of GET /metrics, read from the doors when Prometheus scrapes: the hub's hosts and
// records, the agents connected to this instance; a workstation's own records.

function countStatuses(statuses: Iterable<DisplayStatus>): Map<DisplayStatus, number> {
  const counts = new Map<DisplayStatus, number>(DISPLAY_STATUSES.map((s) => [s, 0]));
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return counts;
}

function gauges() {
  return shared("metrics-gauges", () => {
    const { registry } = instruments();
    const hub = serverEnv().hub;
    new Gauge({
      name: "process_monitor_processes",
      help: hub ? "Records of the whole fleet as last reported, by status." : "Records of this workstation's registry, by status.",
      labelNames: ["status"] as const,
      registers: [registry],
      async collect() {
        const statuses = hub
          ? await fleet().processes().statuses()
          : (await processes().list(ALL, { env: false })).items.map((i) => i.view.status);
        for (const [status, n] of countStatuses(statuses)) this.set({ status }, n);
      },
    });
    if (!hub) return;
    new Gauge({
      name: "process_monitor_hosts",
      help: "Workstations enrolled on this hub, by status (online, stale, offline).",
      labelNames: ["status"] as const,
      registers: [registry],
      async collect() {
        const { hosts } = await fleet().processes().overview();
        for (const status of HOST_STATUSES) this.set({ status }, hosts.filter((h) => h.status === status).length);
      },
    });
    new Gauge({
      name: "process_monitor_host_crashes_24h",
      help: "Records that crashed (a non-zero code or a signal not ours) in the last 24 hours, by host (hosts heard in the last 24 h, at most 500; the rest summed as (others)).",
      labelNames: ["host"] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const { hosts } = await fleet().processes().overview();
        for (const { host, value } of hostSeries(hosts.map((h) => ({ name: h.name, lastSeen: h.lastSeen, value: h.crashes24h })))) {
          this.set({ host }, value);
        }
      },
    });
    new Gauge({
      name: "process_monitor_agents_connected",
      help: "Agents connected to this hub instance, by transport (socket: a WebSocket; http: a command long-poll).",
      labelNames: ["transport"] as const,
      registers: [registry],
      collect() {
        const { socket, http } = fleet().connections();
        this.set({ transport: "socket" }, socket);
        this.set({ transport: "http" }, http);
      },
    });
  });
}

/** The Prometheus text exposition of this server. */
export async function metricsText(): Promise<{ contentType: string; text: string }> {
  gauges();
  const { registry } = instruments();
  return { contentType: registry.contentType, text: await registry.metrics() };
}
