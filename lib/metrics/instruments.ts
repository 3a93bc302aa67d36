import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { shared } from "../config/shared";

// What a server counts as it works, for GET /metrics (SPEC "Metrics"). Kept free of the doors:
// the door and the adapters record here, lib/metrics/collect.ts reads the doors when scraped.

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];

function make() {
  const registry = new Registry();
  // The process's own: CPU, memory, event-loop delay (nodejs_eventloop_lag_*), handles, GC.
  collectDefaultMetrics({ register: registry, prefix: "process_monitor_" });
  // Gauges named like counters (active handles, requests, resources): promtool refuses the
  // names, and the counts say little about this server.
  for (const metric of registry.getMetricsAsArray()) {
    if (metric.name.endsWith("_total") && metric instanceof Gauge) registry.removeSingleMetric(metric.name);
  }
  return {
    registry,
    reports: new Counter({
      name: "process_monitor_reports_total",
      help: "Reports from agents, by transport (socket, http) and result (accepted, refused).",
      labelNames: ["transport", "result"] as const,
      registers: [registry],
    }),
    ingest: new Histogram({
      name: "process_monitor_ingest_seconds",
      help: "Time to validate and store one report, by transport.",
      labelNames: ["transport"] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    commands: new Histogram({
      name: "process_monitor_command_seconds",
      help: "Time from a command given on the hub to its agent's answer, by kind and result (ok, refused, failed).",
      labelNames: ["kind", "result"] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    rateRefusals: new Counter({
      name: "process_monitor_agent_rate_refusals_total",
      help: "Agents' sockets that sent beyond a fair rate: sockets closed (socket) and reports refused (report).",
      labelNames: ["what"] as const,
      registers: [registry],
    }),
    storeErrors: new Counter({
      name: "process_monitor_store_errors_total",
      help: "Requests that failed on the registry or the fleet store, by condition (BUSY, DISK_FULL, STORE_DOWN).",
      labelNames: ["code"] as const,
      registers: [registry],
    }),
  };
}

export function instruments() {
  return shared("metrics", make);
}

/** Takes one report (`take` checks and stores it), counted as accepted or refused, timed when accepted. */
export async function observeReport<T>(transport: "socket" | "http", take: () => Promise<T>): Promise<T> {
  const m = instruments();
  const started = performance.now();
  try {
    const answer = await take();
    m.reports.inc({ transport, result: "accepted" });
    m.ingest.observe({ transport }, (performance.now() - started) / 1000);
    return answer;
  } catch (error) {
    m.reports.inc({ transport, result: "refused" });
    throw error;
  }
}
