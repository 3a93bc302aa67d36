import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetHost, startAgent, waitUntil, workstation, type RunningAgent, type Workstation, launch } from "./support/fleet";
import { freePort, startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

// Crash alerts (SPEC "Alerts"): a real webhook receiver on loopback, a hub and a real agent, and
// a lone workstation's dashboard; real programs that crash.

interface Receiver {
  url: string;
  bodies: Array<Record<string, unknown>>;
  requests: number;
  close: () => Promise<void>;
}

/** A webhook that records what it gets; it fails the first `failFirst` requests with 503. */
async function receiver(failFirst = 0): Promise<Receiver> {
  const port = await freePort();
  const state: Receiver = { url: `http://127.0.0.1:${port}/hook?token=secret`, bodies: [], requests: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      state.requests += 1;
      if (state.requests <= failFirst) {
        res.writeHead(503).end("busy");
        return;
      }
      state.bodies.push(JSON.parse(text) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

const crasher = (i: number) => [
  "/bin/sh",
  "-c",
  `for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22; do echo "render ${i} line $n"; done; echo "boom ${i}" >&2; exit 2`,
];

describe("crash alerts from a hub", () => {
  let dir: string;
  let hook: Receiver;
  let hub: RunningServer;
  let ws: Workstation;
  let agent: RunningAgent;

  beforeAll(async () => {
    dir = tempDir("pm-alerts-");
    hook = await receiver(1);
    const home = path.join(dir, "hub");
    hub = await startServer({
      HOME: home,
      PROCESS_MONITOR_DB: path.join(home, "hub.db"),
      PROCESS_MONITOR_HUB: "1",
      PROCESS_MONITOR_FLEET_KEY: "test-fleet-key-0123456789abcdef",
      PROCESS_MONITOR_ALERT_WEBHOOK: hook.url,
      PROCESS_MONITOR_ALERTS_PER_MINUTE: "3",
      // Long enough that all six crashes land in one window even on a loaded CI machine.
      PROCESS_MONITOR_ALERT_WINDOW_SECONDS: "20",
      PROCESS_MONITOR_PUBLIC_URL: "https://hub.studio.example:3000",
    });
    ws = workstation(path.join(dir, "ws"), hub.url, "farm-01");
    agent = startAgent(ws);
    await waitUntil("the workstation on the hub", async () => (await fleetHost(hub, "farm-01"))?.status === "online");
  });

  afterAll(async () => {
    await agent?.stop("SIGKILL");
    await hub?.stop();
    await hook?.close();
  });

  it("posts each crash once with its last lines and link, holds a burst back to the limit, then sends one summary", async () => {
    // At once, so that all six end within one alert window however loaded the machine is.
    const hashes = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const result = await ws.cliAsync("launch", "--name", `crasher-${i}`, "--", ...crasher(i));
        if (result.status !== 0) throw new Error(result.stderr);
        return result.stdout.trim();
      }),
    );
    // A normal end and a stop of ours are not crashes.
    launch(ws, "fine", "/bin/sh", "-c", "echo ok");
    const stopped = launch(ws, "stopped-by-us", "/bin/sleep", "60");
    expect(ws.cli("stop", stopped).status).toBe(0);

    await expect.poll(() => hook.bodies.filter((b) => b.kind === "crash").length, { timeout: 30_000 }).toBe(3);
    const first = hook.bodies.find((b) => b.kind === "crash")!;
    const i = Number(String(first.name).split("-")[1]);
    expect(first).toMatchObject({ host: "farm-01", hash: hashes[i], exitCode: 2, signal: null });
    expect(first.url).toBe(`https://hub.studio.example:3000/fleet/farm-01/processes/${hashes[i]}`);
    expect(first.lastLines).toHaveLength(20);
    expect((first.lastLines as string[]).at(-1)).toBe(`boom ${i}`);
    expect(typeof first.endedAt).toBe("string");
    // Why it ended travels with the alert, and the hub's record says it too (SPEC "The end record").
    expect(first.endReason).toEqual({ kind: "exit", text: "Exited with code 2" });
    expect(first).toHaveProperty("peakMemoryBytes");
    const remote = (await (await hub.api(`/api/fleet/hosts/farm-01/processes/${hashes[i]}`)).json()) as Record<string, unknown>;
    expect(remote.endReason).toEqual({ kind: "exit", text: "Exited with code 2" });
    expect(remote).toHaveProperty("peakMemoryBytes");
    expect(remote).toHaveProperty("cpuSeconds");

    await expect.poll(() => hook.bodies.filter((b) => b.kind === "summary").length, { timeout: 40_000 }).toBe(1);
    expect(hook.bodies.find((b) => b.kind === "summary")).toMatchObject({ host: "farm-01", heldBack: 3, windowSeconds: 20 });
    // Later reports carry the same exits again now and then: never a second alert.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(hook.bodies).toHaveLength(4);
    expect(new Set(hook.bodies.filter((b) => b.kind === "crash").map((b) => b.hash)).size).toBe(3);
    expect(hook.bodies.some((b) => b.name === "fine" || b.name === "stopped-by-us")).toBe(false);

    // The first delivery met a 503 and was retried; the hub says so.
    expect(hook.requests).toBe(5);
    const health = (await (await hub.api("/api/health")).json()) as { alerts: Record<string, unknown> };
    expect(health.alerts).toMatchObject({ delivered: 4, heldBack: 3, failed: 0, waiting: 0 });
    expect(health.alerts.lastError).toMatch(/answered 503; attempt 1 of 6/);
    expect(health.alerts.webhook).toBe(`${hook.url.split("?")[0]}?…`);
  }, 120_000);
});

describe("crash alerts from a lone workstation", () => {
  let hook: Receiver;
  let server: RunningServer;
  let ws: Workstation;

  beforeAll(async () => {
    const dir = tempDir("pm-alerts-ws-");
    hook = await receiver();
    ws = workstation(path.join(dir, "ws"), "", "lone");
    server = await startServer({ HOME: ws.home, PROCESS_MONITOR_DB: ws.db, PROCESS_MONITOR_ALERT_WEBHOOK: hook.url });
  });

  afterAll(async () => {
    await server?.stop();
    await hook?.close();
  });

  it("posts a crash of its own registry with a link to its detail page", async () => {
    const hash = launch(ws, "nuke-comp", "/bin/sh", "-c", "echo reading plate; kill -SEGV $$");
    launch(ws, "fine", "/bin/true");
    await expect.poll(() => hook.bodies.length, { timeout: 20_000 }).toBe(1);
    expect(hook.bodies[0]).toMatchObject({
      kind: "crash",
      name: "nuke-comp",
      hash,
      exitCode: null,
      signal: "SIGSEGV",
      lastLines: ["reading plate"],
      endReason: { kind: "signal", text: "Killed by SIGSEGV" },
    });
    expect(hook.bodies[0]!.url).toBe(`${server.url}/processes/${hash}`);
    await new Promise((r) => setTimeout(r, 6_000));
    expect(hook.bodies).toHaveLength(1);
  });
});
