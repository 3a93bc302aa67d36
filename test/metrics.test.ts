import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, startHub, waitUntil, workstation, fleetHost, type RunningAgent, type Workstation } from "./support/fleet";
import { freePort, startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

// GET /metrics (SPEC "Metrics"): the Prometheus text format on a hub and on a workstation, for
// the operator token or PROCESS_MONITOR_METRICS_TOKEN; checked by Debian's promtool and scraped
// by a real Prometheus.

const METRICS_TOKEN = "test-metrics-token-0123456789abcdef";
const promtool = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).stdout.trim();
const prometheusBin = spawnSync("sh", ["-c", "command -v prometheus"], { encoding: "utf8" }).stdout.trim();

function sample(text: string, series: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

describe.skipIf(!promtool || !prometheusBin)("metrics", () => {
  let dir: string;
  let hub: RunningServer;
  let local: RunningServer;
  let agent: RunningAgent;
  let ws: Workstation;
  let prometheus: ChildProcess | null = null;

  beforeAll(async () => {
    dir = tempDir("pm-metrics-");
    hub = await startHub(path.join(dir, "hub"), { env: { PROCESS_MONITOR_METRICS_TOKEN: METRICS_TOKEN } });
    ws = workstation(path.join(dir, "ws"), hub.url, "metrics-node");
    ws.cli("launch", "--name", "sim", "--", "/bin/sleep", "300");
    agent = startAgent(ws);
    local = await startServer({ HOME: ws.home, PROCESS_MONITOR_DB: ws.db, PROCESS_MONITOR_METRICS_TOKEN: METRICS_TOKEN });
    await waitUntil("the host online", async () => (await fleetHost(hub, "metrics-node"))?.status === "online");
    // A crash while the agent watches: its exit is reported as one.
    ws.cli("launch", "--name", "crash", "--", "/bin/sh", "-c", "sleep 1; exit 3");
    await waitUntil("the crash on the hub", async () => (await fleetHost(hub, "metrics-node"))?.crashes24h === 1);
  }, 120_000);

  afterAll(async () => {
    prometheus?.kill("SIGKILL");
    await Promise.all([agent?.stop("SIGKILL"), hub?.stop(), local?.stop()]);
    ws?.stopAll();
  });

  const scrape = (server: RunningServer, token: string | null) =>
    fetch(`${server.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("answers the operator token and the metrics token only, in a format promtool accepts", async () => {
    for (const server of [hub, local]) {
      expect((await scrape(server, null)).status).toBe(401);
      expect((await scrape(server, "wrong-token-0123456789")).status).toBe(401);
      const byOperator = await scrape(server, server.token);
      expect(byOperator.status).toBe(200);
      const response = await scrape(server, METRICS_TOKEN);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      const checked = spawnSync(promtool, ["check", "metrics"], { input: text, encoding: "utf8" });
      expect(checked.status, checked.stdout + checked.stderr).toBe(0);
      expect(text).toContain("process_monitor_nodejs_eventloop_lag_p99_seconds");
      expect(sample(text, 'process_monitor_processes{status="running"}')).toBe(1);
      expect(sample(text, 'process_monitor_processes{status="stopped"}')).toBe(1);
    }
    // The metrics token opens nothing else.
    expect((await fetch(`${hub.url}/api/processes`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(401);

    const text = await (await scrape(hub, METRICS_TOKEN)).text();
    expect(sample(text, 'process_monitor_hosts{status="online"}')).toBe(1);
    expect(sample(text, 'process_monitor_host_crashes_24h{host="metrics-node"}')).toBe(1);
    expect(sample(text, 'process_monitor_agents_connected{transport="socket"}')).toBe(1);
    expect(sample(text, 'process_monitor_reports_total{transport="socket",result="accepted"}')).toBeGreaterThan(0);
    expect(sample(text, 'process_monitor_ingest_seconds_count{transport="socket"}')).toBeGreaterThan(0);
  });

  it("is scraped by a real Prometheus, which answers a query on its series", async () => {
    const port = await freePort();
    const config = path.join(dir, "prometheus.yml");
    const hubAddress = new URL(hub.url).host;
    fs.writeFileSync(
      config,
      [
        "global:",
        "  scrape_interval: 1s",
        "scrape_configs:",
        "  - job_name: process-monitor-hub",
        "    metrics_path: /metrics",
        "    authorization:",
        `      credentials: ${METRICS_TOKEN}`,
        "    static_configs:",
        `      - targets: ["${hubAddress}"]`,
        "",
      ].join("\n"),
    );
    prometheus = spawn(
      prometheusBin,
      [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let logs = "";
    prometheus.stderr!.on("data", (d) => (logs += d));
    const query = async (expr: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`).catch(() => null);
      if (!response?.ok) return null;
      const body = (await response.json()) as { data: { result: Array<{ value: [number, string] }> } };
      return body.data.result[0]?.value[1] ?? null;
    };
    await waitUntil(
      "Prometheus to scrape the hub",
      async () => (await query('process_monitor_hosts{status="online"}')) === "1",
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${logs.slice(-2000)}`);
    });
    expect(await query('up{job="process-monitor-hub"}')).toBe("1");
    expect(Number(await query('process_monitor_agents_connected{transport="socket"}'))).toBe(1);
  });
});
