import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  agentSocket,
  fleetHost,
  fleetHosts,
  startAgent,
  startHub,
  waitUntil,
  workstation,
  type RunningAgent,
  type Workstation,
  launch,
  recordOnHub,
} from "./support/fleet";
import { freePort, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";
import { bareFacts, deltaReport } from "./support/reported";
import { forward } from "./support/proxy";

// The agents' channel (SPEC "The agents' channel"): one WebSocket per agent on the hub's own
// port, opened with the host secret; reports go up and commands come down on it. Behind a proxy
// that refuses upgrades the agent reports and takes commands over HTTP, and says so.

/** A reverse proxy to `target` that passes HTTP and refuses every upgrade with a 502 page. */
async function noUpgradeProxy(target: string) {
  const port = await freePort();
  const upstream = new URL(target);
  let refused = 0;
  const server = http.createServer((req, res) => {
    forward(upstream, req, res);
  });
  server.on("upgrade", (_req, socket) => {
    refused += 1;
    socket.end("HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n<h1>502 Bad Gateway</h1>");
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    refused: () => refused,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** What the hub answers a WebSocket opened with `secret`: "open", or the HTTP status and body of its refusal. */
function openWith(hub: RunningServer, secret: string | null, route = "/api/fleet/channel") {
  return new Promise<{ open: true; socket: WebSocket } | { open: false; status: number; body: Record<string, unknown> }>(
    (resolve, reject) => {
      const socket = new WebSocket(`${hub.url.replace(/^http/, "ws")}${route}`, {
        headers: secret ? { authorization: `Bearer ${secret}` } : {},
      });
      socket.once("open", () => resolve({ open: true, socket }));
      socket.once("unexpected-response", (_req, response) => {
        let text = "";
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => {
          socket.terminate();
          resolve({ open: false, status: response.statusCode ?? 0, body: JSON.parse(text || "{}") });
        });
      });
      socket.once("error", (error) => reject(error));
    },
  );
}

describe("the agents' channel", () => {
  let dir: string;
  let hub: RunningServer;
  let proxy: Awaited<ReturnType<typeof noUpgradeProxy>>;
  const agents: RunningAgent[] = [];
  const stations: Workstation[] = [];
  /** Hubs a test starts itself: stopped here too, should the test end before it does. */
  const ownHubs: RunningServer[] = [];

  /** A workstation named `name` reporting to `hubUrl` with its agent, one record launched. */
  function reporting(name: string, hubUrl: string, ...command: string[]) {
    const ws = workstation(path.join(dir, name), hubUrl, name);
    stations.push(ws);
    const hash = launch(ws, "job", ...command);
    const agent = startAgent(ws);
    agents.push(agent);
    return { ws, hash, agent, name };
  }

  /** The same, launching without blocking this process (many at once). */
  async function reportingSoon(name: string, hubUrl: string, ...command: string[]) {
    const ws = workstation(path.join(dir, name), hubUrl, name);
    stations.push(ws);
    const launched = await ws.cliAsync("launch", "--name", "job", "--", ...command);
    if (launched.status !== 0) throw new Error(`launch failed: ${launched.stderr}`);
    const agent = startAgent(ws);
    agents.push(agent);
    return { ws, hash: launched.stdout.trim(), agent, name };
  }

  beforeAll(async () => {
    dir = tempDir("pm-channel-");
    hub = await startHub(path.join(dir, "hub"));
    proxy = await noUpgradeProxy(hub.url);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop("SIGKILL")));
    await Promise.all([hub?.stop(), proxy?.close(), ...ownHubs.map((h) => h.stop())]);
    for (const ws of stations) ws.stopAll();
  });

  it("reports and takes a stop from the hub over one WebSocket", async () => {
    const { ws, hash, agent } = reporting("socket-node", hub.url, "/bin/sleep", "300");
    await waitUntil("the record on the hub", async () => (await recordOnHub(hub, "socket-node", hash))?.status === "running");
    expect(agent.logs()).toContain("connected to the hub over a WebSocket");
    expect(agent.logs()).not.toContain("reporting over HTTP");
    const stop = await hub.api(`/api/fleet/hosts/socket-node/processes/${hash}/stop`, { method: "POST" });
    expect(stop.status).toBe(200);
    expect(await stop.json()).toMatchObject({ ok: true, data: { outcome: "stopped" } });
    await waitUntil("stopped on the hub", async () => (await recordOnHub(hub, "socket-node", hash))?.status === "stopped");
    expect(JSON.parse(ws.cli("show", "--json", hash).stdout).status).toBe("stopped");
  });

  it("falls back to HTTP behind a proxy that refuses upgrades, says so, and still takes commands", async () => {
    const { hash, agent } = reporting("proxied-node", proxy.url, "/bin/sleep", "300");
    await waitUntil("the record on the hub", async () => (await recordOnHub(hub, "proxied-node", hash))?.status === "running");
    expect(proxy.refused()).toBeGreaterThan(0);
    expect(agent.logs()).toMatch(/refused a WebSocket \(HTTP 502\); reporting over HTTP/);
    expect(agent.logs()).not.toContain("connected to the hub over a WebSocket");
    const stop = await hub.api(`/api/fleet/hosts/proxied-node/processes/${hash}/stop`, {
      method: "POST",
      body: JSON.stringify({ force: true }),
    });
    expect(await stop.json()).toMatchObject({ ok: true, data: { signal: "SIGKILL" } });
    await waitUntil("stopped on the hub", async () => (await recordOnHub(hub, "proxied-node", hash))?.status === "stopped");
  });

  // 25 real agents in the suite (each a process that reads /proc every second: 50 of them beside
  // the other suites took this 2-core machine past npm test's 10 minutes); PM_RESTART_AGENTS=50
  // runs the 50.
  it("takes back every agent over its socket after the hub is killed and started again, and every exit from meanwhile arrives once", async () => {
    const home = path.join(dir, "hub-restart");
    let restartHub = await startHub(home);
    ownHubs.push(restartHub);
    const count = Number(process.env.PM_RESTART_AGENTS ?? 25);
    const flag = path.join(dir, "end-now");
    // Launched side by side: one after another, 50 launches are most of a minute.
    const fleetOf = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        reportingSoon(`restart-${i}`, restartHub.url, "/bin/sh", "-c", `while [ ! -e ${flag} ]; do sleep 0.2; done; exit 3`),
      ),
    );
    const sockets = async () => {
      const text = await (await fetch(`${restartHub.url}/metrics`, { headers: { authorization: `Bearer ${restartHub.token}` } })).text();
      return Number(/process_monitor_agents_connected\{transport="socket"\} (\d+)/.exec(text)?.[1] ?? NaN);
    };
    try {
      // One reading of the fleet per check: asking 50 times each time would load the hub more than the agents do.
      const ours = async () => (await fleetHosts(restartHub)).filter((h) => h.name.startsWith("restart-"));
      await waitUntil(
        "every record running on the hub",
        async () => (await ours()).filter((h) => h.running === 1).length === count,
        90_000,
      );
      await waitUntil("every agent on its socket", async () => (await sockets()) === count);
      const pids = await Promise.all(fleetOf.map(async (w) => (await recordOnHub(restartHub, w.name, w.hash))!));

      await restartHub.stop("SIGKILL");
      fs.writeFileSync(flag, "");
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      await waitUntil("every job ended while the hub is down", async () => !pids.some(({ pid }) => pid !== null && alive(pid)));
      // Each keeper records its end a moment after: then the hub comes back.
      await new Promise((r) => setTimeout(r, 1_000));
      restartHub = await startHub(home, { port: restartHub.port });
      ownHubs.push(restartHub);
      await waitUntil("every exit on the hub, once", async () => (await ours()).filter((h) => h.crashes24h === 1).length === count, 60_000);
      await waitUntil("every agent back on its socket", async () => (await sockets()) === count, 90_000).catch((error: Error) => {
        // Which agents did not come back, and what they said of the hub.
        const said = fleetOf.map(
          (w) =>
            `${w.name}: ${w.agent
              .logs()
              .split("\n")
              .filter((l) => /socket|HTTP|hub/i.test(l))
              .slice(-3)
              .join(" | ")}`,
        );
        throw new Error(`${error.message}\n${said.join("\n")}`);
      });
      for (const w of fleetOf) expect(await recordOnHub(restartHub, w.name, w.hash)).toMatchObject({ status: "stopped", exitCode: 3 });
      // Reports go on; an exit sent again around the restart is still counted once.
      await new Promise((r) => setTimeout(r, 2_500));
      expect((await ours()).map((h) => h.crashes24h)).toEqual(Array(count).fill(1));
    } finally {
      await Promise.all(fleetOf.map((w) => w.agent.stop("SIGKILL")));
      await restartHub.stop();
    }
  }, 300_000);

  it("puts a command back when its socket closes before the agent took it, and the agent's next connection carries it out once (issue 41, 10)", async () => {
    const ws = workstation(path.join(dir, "dropped-node"), hub.url, "dropped-node");
    stations.push(ws);
    const hash = launch(ws, "job", "/bin/sleep", "300");
    expect(ws.cli("agent", "--once").status).toBe(0);
    const data = path.join(ws.home, ".local/share/process-monitor");
    const { secret } = JSON.parse(fs.readFileSync(path.join(data, "hub-secret.json"), "utf8")) as { secret: string };
    const { base } = JSON.parse(fs.readFileSync(path.join(data, "agent-state.json"), "utf8")) as { base: number };
    // A connection of this host that reports, is sent a command, and is gone before it reads it.
    const socket = await agentSocket(hub.url, secret);
    const reported = new Promise<number>((resolve) =>
      socket.on("message", (data) => {
        const message = JSON.parse(String(data)) as { type: string; status?: number };
        if (message.type === "report-answer") resolve(message.status!);
        if (message.type === "command") socket.terminate();
      }),
    );
    const report = deltaReport({ machineId: ws.env.PROCESS_MONITOR_MACHINE_ID!, seq: base }, bareFacts("dropped-node"), { interval: 1 });
    socket.send(JSON.stringify({ type: "report", id: "r1", report }));
    expect(await reported).toBe(200);
    const stopping = hub.api(`/api/fleet/hosts/dropped-node/processes/${hash}/stop`, { method: "POST" });
    await new Promise((resolve) => socket.once("close", resolve));
    // The agent comes back (its next connection): the stop reaches it, within the hub's wait.
    const agent = startAgent(ws);
    agents.push(agent);
    const stop = await stopping;
    expect(stop.status, await stop.clone().text()).toBe(200);
    expect(await stop.json()).toMatchObject({ ok: true, data: { outcome: "stopped" } });
    expect(agent.logs().split(`stop of ${hash.slice(0, 12)} from the hub`).length - 1).toBe(1);
    const audit = (await (await hub.api("/api/fleet/audit")).json()) as { entries: Array<{ host: string; command: string }> };
    expect(audit.entries.filter((e) => e.host === "dropped-node").map((e) => e.command)).toEqual(["stop"]);
  });

  it("refuses a socket without a secret, with a wrong one or a revoked one before reading anything, and closes one that speaks nonsense", async () => {
    expect(await openWith(hub, null)).toMatchObject({ open: false, status: 401, body: { code: "UNKNOWN_HOST" } });
    expect(await openWith(hub, "k0.not-a-real-secret")).toMatchObject({ open: false, status: 401, body: { code: "UNKNOWN_HOST" } });
    expect(await openWith(hub, null, "/api/fleet/other")).toMatchObject({ open: false, status: 404 });

    const ws = workstation(path.join(dir, "revoked"), hub.url, "revoked-node");
    stations.push(ws);
    expect(ws.cli("agent", "--once").status).toBe(0);
    const { secret } = JSON.parse(fs.readFileSync(path.join(ws.env.XDG_DATA_HOME!, "process-monitor", "hub-secret.json"), "utf8")) as {
      secret: string;
    };

    const opened = await openWith(hub, secret);
    expect(opened.open).toBe(true);
    if (opened.open) {
      const closed = new Promise<number>((resolve) => opened.socket.once("close", (code) => resolve(code)));
      opened.socket.send("not json at all");
      expect(await closed).toBe(1003);
    }
    // A result nested 200,000 deep (valid JSON, 400 KB): dropped, and the hub goes on serving.
    const deep = await openWith(hub, secret);
    expect(deep.open).toBe(true);
    if (deep.open) {
      const nested = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
      deep.socket.send(`{"type":"result","id":"no-such-command","result":{"ok":true,"message":"x","data":{"deep":${nested}}}}`);
      await new Promise((r) => setTimeout(r, 500));
      expect(deep.socket.readyState).toBe(WebSocket.OPEN);
      deep.socket.close();
    }
    expect((await hub.api("/api/health")).status).toBe(200);

    expect((await hub.api("/api/fleet/hosts/revoked-node/revoke", { method: "POST" })).status).toBe(200);
    expect(await openWith(hub, secret)).toMatchObject({ open: false, status: 403, body: { code: "REVOKED" } });
    expect((await fleetHost(hub, "revoked-node"))?.status).toBe("offline");
  });
});
