import fs from "node:fs";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { SOCKET_RATES } from "@/lib/fleet/hub/rates";
import {
  FLEET_KEY,
  VIEWER_TOKEN,
  fleetHost,
  startAgent,
  startHub,
  waitUntil,
  workstation,
  type RunningAgent,
  type Workstation,
  launch,
  agentSocket,
  enrolByHand,
} from "./support/fleet";
import { bareFacts, deltaReport, reportedProcess } from "./support/reported";
import { freePort, logIn, startServer, type RunningServer } from "./support/next-server";
import { startPostgres, type RunningPostgres } from "./support/postgres";
import { tempDir } from "./support/temp";
import { forward } from "./support/proxy";

// Hostile data and faults on the fleet's channel (issue 21, holes 1 to 3): a proxy in front of
// the hub that answers garbage, records whose text PostgreSQL refuses, times out of any range.
// A real hub (SQLite and PostgreSQL), real agents, real launches; nothing mocked.

type Mode = "pass" | "html" | "badjson" | "wrongjson" | "reset" | "hang" | "bad-gateway";

/** What the proxy answers in place of the hub, by mode. */
const CANNED = {
  html: { status: 200, type: "text/html", body: "<html><body><h1>Down for maintenance</h1></body></html>" },
  badjson: { status: 200, type: "application/json", body: '{"accepted": 4' },
  wrongjson: { status: 200, type: "application/json", body: '{"status":"ok"}' },
  "bad-gateway": { status: 502, type: "text/html", body: "<h1>502 Bad Gateway</h1>" },
} as const;

/** A reverse proxy to `target` that misbehaves as told, counting the requests it spoiled. */
async function misbehavingProxy(target: string) {
  const port = await freePort();
  const upstream = new URL(target);
  let mode: Mode = "pass";
  const spoiled: Record<string, number> = {};
  const held = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    if (mode !== "pass") {
      spoiled[`${mode} ${req.url}`] = (spoiled[`${mode} ${req.url}`] ?? 0) + 1;
      req.resume();
    }
    const canned = CANNED[mode as keyof typeof CANNED];
    if (canned) {
      res.writeHead(canned.status, { "content-type": canned.type }).end(canned.body);
      return;
    }
    if (mode === "reset") {
      req.socket.destroy();
      return;
    }
    if (mode === "hang") {
      held.add(req.socket);
      return;
    }
    forward(upstream, req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    spoiled: (m: Mode, route: string) => spoiled[`${m} ${route}`] ?? 0,
    set(next: Mode) {
      mode = next;
      // A proxy that hung up on its held requests: the agent's next try must go through.
      if (next !== "hang") for (const socket of held) socket.destroy();
      if (next !== "hang") held.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of held) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface FleetRecordJson {
  hash: string;
  name: string;
  status: string;
  running: boolean;
  exitSignal: string | null;
  stoppedBy: string | null;
  startTime: number | null;
  createdAt: string | null;
  endedAt: string | null;
  args: string[];
  env: Record<string, string>;
  warnings: string[];
  endReason: { kind: string; text: string; pattern?: string; line?: string } | null;
}

async function fleetRecord(hub: RunningServer, host: string, hash: string): Promise<FleetRecordJson | null> {
  const response = await hub.api(`/api/fleet/hosts/${host}/processes/${hash}`);
  return response.ok ? ((await response.json()) as FleetRecordJson) : null;
}

const HASH = (c: string) => c.repeat(64);

/**
 * A host enrolled by hand (a NUL and a lone surrogate in its hostname) that reports one full
 * list of hostile records: NUL bytes and lone surrogates everywhere, 20,000 arguments, times in
 * microseconds and 1e300, a creation time that is no date. Returns the host's fleet name.
 */
async function hostileHost(hub: RunningServer): Promise<{ name: string; secret: string }> {
  const enrolled = await fetch(`${hub.url}/api/fleet/enroll`, {
    method: "POST",
    headers: { authorization: `Bearer ${FLEET_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ protocol: 1, hostId: crypto.randomUUID(), machineId: "m\u0000\ud800", hostname: "evil\u0000host\udc00" }),
  });
  expect(enrolled.status, await enrolled.clone().text()).toBe(200);
  const { name, secret } = (await enrolled.json()) as { name: string; secret: string };
  const record = (hash: string, extra: Record<string, unknown>) => ({
    hash,
    name: "poi\u0000son\ud800",
    pid: 4242,
    executable: "/usr/bin/\u0000x",
    currentExecutable: null,
    args: ["a\u0000b", "\udfff"],
    env: { "K\u0000EY": "v\u0000\ud800" },
    cwd: "/tmp/\u0000",
    status: "stopped",
    exitCode: 3,
    exitSignal: null,
    stopSignal: null,
    exitObserved: true,
    startTime: 1_700_000_000,
    endedAt: 1_700_000_100,
    createdAt: "2026-11-30T10:00:00.000Z",
    cpuPercent: null,
    rssBytes: null,
    outputFile: null,
    outputSize: null,
    runawayOutput: false,
    liveChildren: 0,
    warnings: ["w\u0000"],
    ...extra,
  });
  const report = {
    protocol: 1,
    machineId: "m\u0000\ud800",
    seq: 1,
    base: null,
    full: true,
    interval: 5,
    facts: {
      hostname: "evil\u0000host",
      platform: "linux",
      release: "6\u0000",
      arch: "x64",
      cores: 2,
      memTotalBytes: 1,
      memUsedBytes: 1,
      load: [0, 0, 0],
      uptimeSeconds: 1,
      agentVersion: "\ud800",
    },
    upserts: [
      record(HASH("a"), { startTime: 1e17, status: "running", endedAt: null }),
      // A program's last line can hold any byte: a NUL in its end reason cut the host off a PostgreSQL hub (issue 41).
      record(HASH("b"), {
        endedAt: 1e300,
        createdAt: "not-a-date",
        endReason: { kind: "pattern", text: "bad\u0000nul", pattern: "P\u0000", line: "x\u0000y\ud800" },
      }),
      record(HASH("c"), { args: Array.from({ length: 20_000 }, (_, i) => `--frame=${i}`) }),
    ],
    removed: [],
    events: [
      {
        hash: HASH("b"),
        name: "poi\u0000son",
        exitCode: 3,
        exitSignal: null,
        stopSignal: null,
        endedAt: 1e300,
        lastLines: ["x\u0000"],
        endReason: { kind: "exit", text: "bad\u0000nul", line: "x\u0000y" },
      },
    ],
  };
  const reported = await fetch(`${hub.url}/api/fleet/report`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify(report),
  });
  expect(reported.status, await reported.clone().text()).toBe(200);
  return { name, secret };
}

/** Every page and answer that shows the hostile host's records works, and shows them as unknown. */
async function expectHostileHostShown(hub: RunningServer, host: string): Promise<void> {
  const cookie = `pm_session_${hub.port}=${await logIn(hub)}`;
  const page = async (route: string) => {
    const response = await fetch(`${hub.url}${route}`, { headers: { cookie } });
    return { status: response.status, html: await response.text() };
  };
  // Pages may show a reading up to 2 s old while a newer one is made: one of the host just
  // enrolled, before its report, lists the host without its records.
  await expect.poll(async () => (await page("/fleet")).html.includes(`/fleet/${host}`)).toBe(true);
  await expect.poll(async () => (await page(`/fleet/${host}/processes/${HASH("a")}`)).status).toBe(200);
  const fleet = await page("/fleet");
  expect(fleet.status).toBe(200);
  expect(fleet.html).not.toContain("Invalid time value");
  expect((await page(`/fleet/${host}`)).status).toBe(200);
  for (const c of ["a", "b", "c"]) {
    const detail = await page(`/fleet/${host}/processes/${HASH(c)}`);
    expect(detail.status, `detail page of ${c}`).toBe(200);
    expect(detail.html).toContain("poi\ufffdson\ufffd");
  }
  const a = (await fleetRecord(hub, host, HASH("a")))!;
  expect(a.startTime).toBeNull();
  expect(a.warnings.join(" ")).toMatch(/start time 100000000000000000 is not a time/);
  const b = (await fleetRecord(hub, host, HASH("b")))!;
  expect([b.endedAt, b.createdAt]).toEqual([null, null]);
  expect(b.warnings.join(" ")).toMatch(/not-a-date/);
  expect(b.env).toEqual({ "K\ufffdEY": "v\ufffd\ufffd" });
  expect(b.endReason).toEqual({ kind: "pattern", text: "bad\ufffdnul", pattern: "P\ufffd", line: "x\ufffdy\ufffd" });
  expect(b.args).toEqual(["a\ufffdb", "\ufffd"]);
  const c = (await fleetRecord(hub, host, HASH("c")))!;
  expect(c.args).toHaveLength(1_000);
  expect(c.warnings.join(" ")).toMatch(/19000 of 20000 arguments not reported/);
  const hosts = (await (await hub.api("/api/fleet/hosts")).json()) as { hosts: Array<{ name: string; hostname: string }> };
  expect(hosts.hosts.find((h) => h.name === host)?.hostname).toBe("evil\ufffdhost");
}

describe("an agent behind a proxy that answers garbage (SQLite hub)", () => {
  let dir: string;
  let hub: RunningServer;
  let proxy: Awaited<ReturnType<typeof misbehavingProxy>>;
  let ws: Workstation;
  let agent: RunningAgent;
  let sleeper: string;
  const stateFile = () => path.join(ws.env.XDG_DATA_HOME!, "process-monitor", "agent-state.json");
  const state = () => JSON.parse(fs.readFileSync(stateFile(), "utf8")) as { base: unknown; pending: Array<{ hash: string }> };

  beforeAll(async () => {
    dir = tempDir("pm-hostile-");
    // As behind the studio's TLS proxy (here: this machine), which says who the client was.
    hub = await startHub(path.join(dir, "hub"), { env: { PROCESS_MONITOR_TRUSTED_PROXIES: "127.0.0.1" } });
    proxy = await misbehavingProxy(hub.url);
    ws = workstation(path.join(dir, "ws"), proxy.url, "proxied");
    sleeper = launch(ws, "render", "/bin/sleep", "300");
    agent = startAgent(ws);
    await waitUntil("the proxied host online", async () => (await fleetHost(hub, "proxied"))?.status === "online");
    await waitUntil("its record on the hub", async () => (await fleetRecord(hub, "proxied", sleeper))?.running === true);
  });

  afterAll(async () => {
    await agent?.stop("SIGKILL");
    ws?.stopAll();
    await Promise.all([proxy?.close(), hub?.stop()]);
  });

  it("keeps its base and its pending exit through 200 HTML, cut JSON, wrong JSON and a hang ended by a reset, then delivers the exit", async () => {
    proxy.set("html");
    expect(ws.cli("stop", sleeper).status).toBe(0);
    // The exit is on disk, owed to the hub, before anything is sent.
    await expect.poll(() => state().pending.map((e) => e.hash), { timeout: 15_000 }).toContain(sleeper);
    // Each spoiled answer is a failed attempt: base and the exit stay as they were.
    for (const mode of ["html", "badjson", "wrongjson", "hang"] as const) {
      proxy.set(mode);
      await expect.poll(() => proxy.spoiled(mode, "/api/fleet/report"), { timeout: 30_000 }).toBeGreaterThan(0);
      if (mode === "hang") await new Promise((r) => setTimeout(r, 500));
      const now = state();
      expect(typeof now.base, `base after ${mode}`).toBe("number");
      expect(now.pending.map((e) => e.hash)).toContain(sleeper);
    }
    proxy.set("pass");
    await expect.poll(async () => (await fleetRecord(hub, "proxied", sleeper))?.stoppedBy, { timeout: 60_000 }).toBe("user");
    expect((await fleetHost(hub, "proxied"))?.status).toBe("online");
    await expect.poll(() => state().pending.length, { timeout: 10_000 }).toBe(0);
    expect(agent.logs()).toMatch(/answered HTTP 200 with text\/html, not JSON: Down for maintenance\. A proxy in front of the hub\?/);
    expect(agent.logs()).not.toMatch(/Bad report|base: expected number/);
  });

  it("repairs a damaged state file with a full report instead of trusting it", async () => {
    await agent.stop();
    fs.writeFileSync(stateFile(), JSON.stringify({ hub: proxy.url, seq: 9, base: "x", accepted: 5, pending: "no", since: 0 }));
    const before = (await fleetHost(hub, "proxied"))!.lastSeen;
    agent = startAgent(ws);
    await expect.poll(async () => (await fleetHost(hub, "proxied"))?.lastSeen !== before, { timeout: 20_000 }).toBe(true);
    await expect.poll(() => state().base, { timeout: 10_000 }).toEqual(expect.any(Number));
    expect(agent.logs()).not.toMatch(/Bad report/);
    expect((await fleetHost(hub, "proxied"))?.status).toBe("online");
  });

  it("a fresh agent enrolling through a maintenance page, a 502 or a reset fails with the reason and keeps no secret", async () => {
    const fresh = workstation(path.join(dir, "fresh"), proxy.url, "fresh");
    try {
      for (const [mode, reason] of [
        ["html", /answered HTTP 200 with text\/html, not JSON.*A proxy in front of the hub\?/],
        ["bad-gateway", /HTTP 502 502 Bad Gateway/],
        ["reset", /Cannot reach the hub/],
      ] as const) {
        proxy.set(mode);
        // Asynchronously: the proxy answers from this process.
        const result = await fresh.cliAsync("agent", "--once");
        expect(result.status, mode).not.toBe(0);
        expect(result.stderr).toMatch(reason);
        expect(result.stdout + result.stderr).not.toMatch(/as undefined/);
        expect(fs.existsSync(path.join(fresh.env.XDG_DATA_HOME!, "process-monitor", "hub-secret.json"))).toBe(false);
      }
    } finally {
      proxy.set("pass");
    }
  });

  it("takes a report of NUL bytes, lone surrogates, 20,000 arguments and absurd times, and every page shows it", async () => {
    const { name } = await hostileHost(hub);
    await expectHostileHostShown(hub, name);
  });

  it("refuses an unknown host secret before reading its body", async () => {
    const forged = `${crypto.randomUUID()}.${"x".repeat(43)}`;
    // 15 MB announced, 1 KB sent: a hub that read bodies first would wait for the rest.
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(`${hub.url}/api/fleet/report`, {
        method: "POST",
        headers: { authorization: `Bearer ${forged}`, "content-type": "application/json", "content-length": String(15 * 1024 * 1024) },
      });
      request.on("response", (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
        request.destroy();
      });
      request.on("error", reject);
      request.write("{".padEnd(1024, " "));
      setTimeout(() => (request.destroy(), reject(new Error("no answer within 10 s: the hub waited for the body"))), 10_000);
    });
    expect(status).toBe(401);
  });

  it("audits every action and refusal with the role and the client's address from a trusted proxy", async () => {
    const from = { "x-forwarded-for": "203.0.113.9" };
    const launched = launch(ws, "audited", "/bin/sleep", "300");
    try {
      await expect.poll(async () => (await fleetRecord(hub, "proxied", launched))?.running, { timeout: 20_000 }).toBe(true);
      const viewer = await fetch(`${hub.url}/api/fleet/hosts/proxied/processes/${launched}/stop`, {
        method: "POST",
        headers: { authorization: `Bearer ${VIEWER_TOKEN}`, ...from },
      });
      expect(viewer.status).toBe(403);
      expect(((await viewer.json()) as { error: string }).error).toMatch(/Read-only access/);
      const stop = (host: string, hash: string) =>
        hub.api(`/api/fleet/hosts/${host}/processes/${hash}/stop`, { method: "POST", headers: from });
      expect((await stop("no-such-host", launched)).status).toBe(404);
      expect((await stop("proxied", HASH("d"))).status).toBe(404);
      expect((await hub.api("/api/fleet/hosts/no-such-host/revoke", { method: "POST", headers: from })).status).toBe(404);
      const stopped = await stop("proxied", launched);
      expect(stopped.status, `${await stopped.text()}\n${agent.logs().slice(-1500)}`).toBe(200);
    } finally {
      ws.cli("stop", "--force", launched);
    }
    const { entries } = (await (await hub.api("/api/fleet/audit")).json()) as {
      entries: Array<{ role: string; address: string; host: string; hash: string; command: string; ok: boolean | null; result: string }>;
    };
    const mine = entries
      .filter((e) => e.address === "203.0.113.9")
      .map((e) => `${e.role} ${e.command} ${e.host} ${e.hash.slice(0, 4)} ${e.ok}`);
    expect(mine.reverse()).toEqual([
      `viewer stop proxied ${launched.slice(0, 4)} false`,
      `operator stop no-such-host ${launched.slice(0, 4)} false`,
      `operator stop proxied dddd false`,
      `operator revoke no-such-host  false`,
      `operator stop proxied ${launched.slice(0, 4)} true`,
    ]);
  });

  it("limits wrong fleet keys per address, and the right key still enrols", async () => {
    const enroll = (key: string, address: string) =>
      fetch(`${hub.url}/api/fleet/enroll`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "x-forwarded-for": address },
        body: JSON.stringify({ protocol: 1, hostId: crypto.randomUUID(), machineId: "guess", hostname: "guess" }),
      });
    const statuses = [];
    for (let i = 0; i < 21; i++) statuses.push((await enroll(`guess-${i}-0123456789`, "198.51.100.1")).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    // Another address is not held back, and from the same one the right key is let in.
    expect((await enroll("guess-x-0123456789", "198.51.100.2")).status).toBe(401);
    expect((await enroll(FLEET_KEY, "198.51.100.1")).status).toBe(200);
  });
});

describe("a PostgreSQL hub and a record whose text PostgreSQL refuses", () => {
  let dir: string;
  let pg: RunningPostgres;
  let hub: RunningServer;
  let ws: Workstation;
  let agent: RunningAgent;
  let hash: string;
  let stopped = false;

  beforeAll(async () => {
    dir = tempDir("pm-hostile-pg-");
    pg = await startPostgres();
    hub = await startHub(path.join(dir, "hub"), { fleetDb: pg.url });
    ws = workstation(path.join(dir, "ws"), hub.url, "pg-node");
    hash = launch(ws, "poison", "/bin/sleep", "300");
    agent = startAgent(ws);
    await waitUntil("its record on the hub", async () => (await fleetRecord(hub, "pg-node", hash))?.running === true);
  });

  afterAll(async () => {
    await agent?.stop("SIGKILL");
    ws?.stopAll();
    await hub?.stop();
    if (!stopped) await pg?.stop();
  });

  it("a NUL in a running record's name (as any script can write it) does not cut the host off: its exit arrives", async () => {
    const db = new Database(ws.db);
    db.prepare("UPDATE process_info SET name = ?, args = ?, env = ? WHERE hash = ?").run(
      "poi\u0000son",
      '["\\ud800x", "a\\u0000b"]',
      '{"K\\u0000": "v\\udc00"}',
      hash,
    );
    db.close();
    await expect.poll(async () => (await fleetRecord(hub, "pg-node", hash))?.name, { timeout: 20_000 }).toBe("poi\ufffdson");
    expect(ws.cli("stop", hash).status).toBe(0);
    await expect.poll(async () => (await fleetRecord(hub, "pg-node", hash))?.stoppedBy, { timeout: 30_000 }).toBe("user");
    const record = (await fleetRecord(hub, "pg-node", hash))!;
    expect(record.args).toEqual(["\ufffdx", "a\ufffdb"]);
    expect(record.env).toEqual({ "K\ufffd": "v\ufffd" });
    expect((await fleetHost(hub, "pg-node"))?.status).toBe("online");
    expect(agent.logs()).not.toMatch(/retrying/);
  });

  it("takes a hostile enrolment and report, and every page shows them", async () => {
    const { name } = await hostileHost(hub);
    await expectHostileHostShown(hub, name);
  });

  it("says it cannot serve while its PostgreSQL is down (health 503), and no answer shows the driver's internals", async () => {
    expect((await hub.api("/api/health")).status).toBe(200);
    await pg.stop();
    stopped = true;
    const health = await hub.api("/api/health");
    const body = (await health.json()) as { ok: boolean; checks: { fleetStore: { ok: boolean; error: string } } };
    expect(health.status).toBe(503);
    expect(body.ok).toBe(false);
    expect(body.checks.fleetStore.ok).toBe(false);
    // What is down, in our words: not the driver's "Invalid `prisma.$queryRawUnsafe()` invocation:" (issue 41).
    expect(body.checks.fleetStore.error).toMatch(/fleet store (cannot be reached|could not be read)/);
    expect(JSON.stringify(body)).not.toMatch(/prisma|invocation|ECONNREFUSED/i);
    const hosts = await hub.api("/api/fleet/hosts");
    const text = await hosts.text();
    expect(hosts.status, text).toBeGreaterThanOrEqual(500);
    expect(JSON.parse(text).code).toMatch(/^(STORE_DOWN|INTERNAL)$/);
    expect(text).not.toMatch(/prisma|invocation|ECONNREFUSED|127\.0\.0\.1:\d+/i);
  });
});

describe("times out of any range and a huge record in a workstation's registry", () => {
  let server: RunningServer;
  let hashes: string[];
  let huge: string;

  beforeAll(async () => {
    const dir = tempDir("pm-odd-times-");
    const db = path.join(dir, "registry.db");
    const ws = workstation(dir, "http://127.0.0.1:1", "unused");
    hashes = [launch(ws, "micro", "/bin/true"), launch(ws, "far-end", "/bin/true"), launch(ws, "no-date", "/bin/true")];
    await new Promise((r) => setTimeout(r, 500));
    const sqlite = new Database(db);
    const set = sqlite.prepare(
      "UPDATE process_info SET start_time = coalesce(?, start_time), ended_at = coalesce(?, ended_at), created_at = coalesce(?, created_at), stopped = 1 WHERE hash = ?",
    );
    set.run(1.7e15, null, null, hashes[0]);
    set.run(null, 1e300, null, hashes[1]);
    set.run(null, null, "not-a-date", hashes[2]);
    // A generated command line: 200,000 arguments in one row.
    huge = "ab".repeat(32);
    sqlite
      .prepare(
        "INSERT INTO process_info (hash, name, executable, args, env, pid, start_time, stopped) VALUES (?, 'generated', '/usr/bin/xargs', ?, '{}', 4900002, 1764500000.5, 1)",
      )
      .run(huge, JSON.stringify(Array.from({ length: 200_000 }, (_, i) => `--frame=${i}`)));
    sqlite.close();
    server = await startServer({ PROCESS_MONITOR_DB: db, HOME: dir });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("the list, every detail page and the API answer, showing those times as unknown with a warning", async () => {
    const cookie = `pm_session_${server.port}=${await logIn(server)}`;
    const list = await fetch(`${server.url}/`, { headers: { cookie } });
    const html = await list.text();
    expect(list.status).toBe(200);
    expect(html).not.toMatch(/could not be read/);
    for (const name of ["micro", "far-end", "no-date"]) expect(html).toContain(name);
    for (const hash of hashes) {
      const detail = await fetch(`${server.url}/processes/${hash}`, { headers: { cookie } });
      const text = await detail.text();
      expect(detail.status, hash).toBe(200);
      expect(text).toMatch(/unknown|not a timestamp/);
    }
    const api = await server.api("/api/processes?limit=10");
    expect(api.status).toBe(200);
    const { processes } = (await api.json()) as { processes: Array<{ hash: string; endedAt: string | null; warnings: string[] }> };
    const farEnd = processes.find((p) => p.hash === hashes[1])!;
    expect(farEnd.endedAt).toBeNull();
    expect(farEnd.warnings.join(" ")).toMatch(/ended_at 1e\+300 is not a time/);
    const micro = processes.find((p) => p.hash === hashes[0])!;
    expect(micro.warnings.join(" ")).toMatch(/start_time 1700000000000000 is not a time/);
    for (const sort of ["started", "runtime", "name"])
      expect((await fetch(`${server.url}/?sort=${sort}`, { headers: { cookie } })).status).toBe(200);
  });

  it("shows a record of 200,000 arguments in bounded form, with the count and the way to all of them", async () => {
    const cookie = `pm_session_${server.port}=${await logIn(server)}`;
    const detail = (await (await fetch(`${server.url}/processes/${huge}`, { headers: { cookie } })).text()).replaceAll("<!-- -->", "");
    expect(detail).toContain("Arguments (200,000)");
    expect(detail).toMatch(/The first 1,000 are shown; 199,000 more/);
    expect(detail).toContain(`href="/api/processes/${huge}"`);
    expect(detail).toContain("--frame=999");
    expect(detail).not.toContain("--frame=1000");
    expect(detail.length).toBeLessThan(1024 * 1024);
    // The list's rows carry 20 arguments at most; the API still gives scripts the whole record.
    const list = await (await fetch(`${server.url}/`, { headers: { cookie } })).text();
    expect(list).toContain("--frame=19");
    expect(list).not.toContain("--frame=20");
    expect(list.length).toBeLessThan(512 * 1024);
    const json = (await (await server.api(`/api/processes/${huge}`)).json()) as { args: string[] };
    expect(json.args).toHaveLength(200_000);
    // The API's list bounds it as the detail page does (before: every argument of every record listed).
    type Listed = { processes: Array<{ hash: string; args: string[]; argCount?: number; warnings: string[] }> };
    const bounded = await server.api("/api/processes?limit=5");
    const text = await bounded.text();
    expect(text.length).toBeLessThan(256 * 1024);
    const record = (JSON.parse(text) as Listed).processes.find((p) => p.hash === huge)!;
    expect(record.args).toHaveLength(1_000);
    expect(record.argCount).toBe(200_000);
    expect(record.warnings.join(" ")).toContain(`all of them: GET /api/processes/${huge}, or the list with ?full=1`);
    const full = (await (await server.api("/api/processes?limit=5&full=1")).json()) as Listed;
    expect(full.processes.find((p) => p.hash === huge)!.args).toHaveLength(200_000);
    expect((await server.api("/api/processes?full=yes")).status).toBe(400);
  });
});

describe("enrolment that cannot be taken over", () => {
  let dir: string;
  let hub: RunningServer;
  const agents: RunningAgent[] = [];
  const enroll = async (body: Record<string, unknown>) => {
    const response = await fetch(`${hub.url}/api/fleet/enroll`, {
      method: "POST",
      headers: { authorization: `Bearer ${FLEET_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ protocol: 1, ...body }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const heartbeat = (secret: string, machineId: string, seq: number) =>
    fetch(`${hub.url}/api/fleet/report`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({
        protocol: 1,
        machineId,
        seq,
        base: null,
        full: true,
        interval: 5,
        facts: bareFacts("h"),
        upserts: [],
        removed: [],
        events: [],
      }),
    });

  beforeAll(async () => {
    dir = tempDir("pm-enrol-");
    hub = await startHub(path.join(dir, "hub"));
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop("SIGKILL")));
    await hub?.stop();
  });

  it("keeps a revoked host out by its host id and by its machine id until an operator lets it back in", async () => {
    const hostId = crypto.randomUUID();
    const first = await enroll({ hostId, machineId: "m-revoked", hostname: "gone" });
    expect(first.status).toBe(200);
    expect((await hub.api("/api/fleet/hosts/gone/revoke", { method: "POST" })).status).toBe(200);
    for (const other of [
      { hostId, machineId: "another-machine", hostname: "gone" },
      { hostId: crypto.randomUUID(), machineId: "m-revoked", hostname: "gone" },
    ]) {
      const refused = await enroll(other);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: "REVOKED", error: expect.stringMatching(/revoked on this hub.*readmit/) });
    }
    expect((await hub.api("/api/fleet/hosts/gone/readmit", { method: "POST" })).status).toBe(200);
    const back = await enroll({ hostId, machineId: "m-revoked", hostname: "gone", currentSecret: first.body.secret });
    expect(back.status).toBe(200);
    expect(back.body.pending).toBeUndefined();
    const audit = (await (await hub.api("/api/fleet/audit")).json()) as { entries: Array<{ command: string; host: string; ok: boolean }> };
    expect(audit.entries.map((e) => `${e.command} ${e.host} ${e.ok}`)).toEqual(["readmit gone true", "revoke gone true"]);
  });

  it("takes a known machine's re-enrolment without its secret only once an operator approves it", async () => {
    const hostId = crypto.randomUUID();
    const real = await enroll({ hostId, machineId: "m-known", hostname: "known" });
    const real1 = String(real.body.secret);
    // Someone who read the host id (viewers see it) and /etc/machine-id enrols as that host.
    const taker = await enroll({ hostId, machineId: "m-known", hostname: "known" });
    expect(taker.status).toBe(200);
    expect(taker.body).toMatchObject({ name: "known", pending: true });
    const taker1 = String(taker.body.secret);
    const pendingReport = await heartbeat(taker1, "m-known", 1);
    expect(pendingReport.status).toBe(403);
    expect(((await pendingReport.json()) as { code: string }).code).toBe("PENDING");
    // The real agent goes on as before.
    expect((await heartbeat(real1, "m-known", 1)).status).toBe(200);
    const host = (await (await hub.api("/api/fleet/hosts")).json()).hosts.find((h: { name: string }) => h.name === "known");
    expect(host.pending).toMatchObject({ since: expect.any(String) });
    const cookie = `pm_session_${hub.port}=${await logIn(hub)}`;
    const page = await (await fetch(`${hub.url}/fleet`, { headers: { cookie } })).text();
    expect(page).toContain("Waiting for approval");
    expect(page).toContain('data-pending="known"');
    expect((await hub.api("/api/fleet/hosts/known/deny", { method: "POST" })).status).toBe(200);
    expect((await heartbeat(taker1, "m-known", 2)).status).toBe(401);
    // Asked again (it really was the same machine, reinstalled) and approved: the new secret replaces the old.
    const again = String((await enroll({ hostId, machineId: "m-known", hostname: "known" })).body.secret);
    expect((await hub.api("/api/fleet/hosts/known/approve", { method: "POST" })).status).toBe(200);
    expect((await heartbeat(again, "m-known", 1)).status).toBe(200);
    expect((await heartbeat(real1, "m-known", 2)).status).toBe(401);
  });

  it("keeps a full disk clone's original as the host: the clone waits for approval, the original reports and takes the commands, and is not flagged again without a new overlap (issue 41, hole 3)", async () => {
    // An agent that cannot enrol waits a report interval at a time, on and on: its waits must not pile up listeners.
    const lost = workstation(path.join(dir, "lost"), hub.url, "lost-key", { PROCESS_MONITOR_HUB_KEY: "not-the-fleet-key-at-all" });
    const lostAgent = startAgent(lost);
    agents.push(lostAgent);
    const original = workstation(path.join(dir, "orig"), hub.url, "studio-pc", { PROCESS_MONITOR_MACHINE_ID: "cloned-machine" });
    const first = launch(original, "first", "/bin/sleep", "300");
    const originalAgent = startAgent(original);
    agents.push(originalAgent);
    await waitUntil("the original online", async () => (await fleetHost(hub, "studio-pc"))?.status === "online");
    // The whole disk copied, secret file and machine id included, then used on another machine.
    const cloneHome = path.join(dir, "clone");
    fs.cpSync(path.join(original.home, ".local"), path.join(cloneHome, ".local"), { recursive: true });
    fs.copyFileSync(original.db, path.join(cloneHome, "registry.db"));
    const clone = workstation(cloneHome, hub.url, "studio-pc", { PROCESS_MONITOR_MACHINE_ID: "cloned-machine" });
    for (const name of ["a", "b", "c"]) launch(clone, `clone-${name}`, "/bin/true");
    const cloneAgent = startAgent(clone);
    agents.push(cloneAgent);
    type Host = { status: string; sharedSecretAt: string | null; pending: unknown; total: number };
    const host = async () => (await fleetHost(hub, "studio-pc")) as unknown as Host;
    const totals = new Set<number>();
    await expect
      .poll(
        async () => {
          totals.add((await host()).total);
          return (await host()).pending;
        },
        { timeout: 30_000 },
      )
      .not.toBeNull();
    // Before, the copy took the host and the original was told CLONE and made to wait.
    expect(cloneAgent.logs()).toMatch(/was there first.*must enrol again/);
    // Its log says so once the enrolment's answer is in (the hub shows it pending a moment before).
    await expect.poll(() => cloneAgent.logs()).toMatch(/an operator must approve it/);
    const flagged = (await host()).sharedSecretAt;
    expect(flagged).not.toBeNull();
    // The original's list throughout (its one record; the clone's has four), never the two in turns.
    for (let i = 0; i < 4; i += 1) {
      totals.add((await host()).total);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect([...totals]).toEqual([1]);
    // The hub's stop reaches the original's agent, not the copy's.
    const stop = await hub.api(`/api/fleet/hosts/studio-pc/processes/${first}/stop`, { method: "POST", body: '{"force": true}' });
    expect(stop.status, await stop.clone().text()).toBe(200);
    expect(originalAgent.logs()).toContain(`stop (force) of ${first.slice(0, 12)} from the hub`);
    expect(cloneAgent.logs()).not.toContain("from the hub");

    // The operator denies the copy, which is then switched off: long past the holder's silence
    // window, the original still holds the host, online, not pending, not flagged again.
    expect((await hub.api("/api/fleet/hosts/studio-pc/deny", { method: "POST" })).status).toBe(200);
    await cloneAgent.stop("SIGKILL");
    for (let i = 0; i < 16; i += 1) {
      const now = await host();
      expect(now).toMatchObject({ status: "online", pending: null, sharedSecretAt: flagged });
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(originalAgent.logs()).not.toMatch(/CLONE|Enrolling again|must enrol|takes over|approve/);
    const cookie = `pm_session_${hub.port}=${await logIn(hub)}`;
    expect(await (await fetch(`${hub.url}/fleet`, { headers: { cookie } })).text()).toContain("two machines, one secret");
    // Before, the twelfth wait of an agent that cannot report warned of a leak (11 abort listeners).
    expect(lostAgent.logs()).toMatch(/fleet key/);
    for (const agent of [lostAgent, originalAgent, cloneAgent]) expect(agent.logs()).not.toMatch(/MaxListenersExceeded/);
    original.stopAll();
  });

  it("lets a restarted agent take its host: at once after it said it stops, after the holder's silence when it was killed", async () => {
    const ws = workstation(path.join(dir, "restarts"), hub.url, "restarting-pc");
    launch(ws, "kept", "/bin/true");
    let agent = startAgent(ws);
    agents.push(agent);
    await waitUntil("online", async () => (await fleetHost(hub, "restarting-pc"))?.status === "online");
    const seen = async () => (await fleetHost(hub, "restarting-pc"))?.lastSeen ?? "";
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      await agent.stop(signal);
      const before = await seen();
      agent = startAgent(ws);
      agents.push(agent);
      await expect.poll(seen, { timeout: 20_000 }).not.toBe(before);
      // One that said it stops is replaced at its successor's first report; a killed one's
      // successor may be told to wait for the silence (unless it started slower than that).
      if (signal === "SIGTERM") expect(agent.logs()).not.toMatch(/takes over/);
    }
    const host = (await fleetHost(hub, "restarting-pc")) as unknown as { sharedSecretAt: string | null; pending: unknown };
    expect(host).toMatchObject({ sharedSecretAt: null, pending: null });
  });
});

describe("an upgrade under a running agent (issue 41, hole 2)", () => {
  let dir: string;
  let hub: RunningServer;
  let ws: Workstation;
  let agent: RunningAgent;

  beforeAll(async () => {
    dir = tempDir("pm-upgrade-");
    hub = await startHub(path.join(dir, "hub"));
    ws = workstation(path.join(dir, "ws"), hub.url, "upgraded-node");
  });

  afterAll(async () => {
    await agent?.stop("SIGKILL");
    ws?.stopAll();
    await hub?.stop();
  });

  it("carries out the hub's stops after the CLI bundle it started from was deleted (npm install rebuilds it)", async () => {
    // An install of its own: the bundles, the packages beside it, and the command as bin/ has it
    // (times kept: a source newer than the bundle would have it rebuilt there).
    const install = path.join(dir, "install");
    for (const part of ["dist/cli", "bin/process-monitor.js", "scripts/build-cli.js", "scripts/newest-mtime.js"]) {
      fs.cpSync(path.resolve(part), path.join(install, part), { recursive: true, preserveTimestamps: true });
    }
    fs.symlinkSync(path.resolve("node_modules"), path.join(install, "node_modules"));
    fs.writeFileSync(path.join(install, "package.json"), '{"type":"module"}');
    const runner = path.join(install, "bin", "process-monitor.js");
    const first = launch(ws, "before-upgrade", "/bin/sleep", "300");
    const second = launch(ws, "after-upgrade", "/bin/sleep", "300");
    agent = startAgent(ws, runner);
    await waitUntil("both records on the hub", async () => (await fleetRecord(hub, "upgraded-node", second))?.running === true);
    // The upgrade: the folder the agent was started from is gone (a rebuild swaps in another).
    fs.rmSync(path.join(install, "dist"), { recursive: true, force: true });
    for (const hash of [first, second]) {
      const stop = await hub.api(`/api/fleet/hosts/upgraded-node/processes/${hash}/stop`, { method: "POST", body: '{"force": true}' });
      expect(stop.status, await stop.clone().text()).toBe(200);
      await expect.poll(async () => (await fleetRecord(hub, "upgraded-node", hash))?.running, { timeout: 30_000 }).toBe(false);
    }
    expect(agent.logs()).not.toMatch(/Cannot find module/);
  });
});

describe("an agent whose answers do not fit what was asked (issue 41, weakness 6)", () => {
  let dir: string;
  let hub: RunningServer;
  let answering: Promise<void> | null = null;
  let stopped = false;

  beforeAll(async () => {
    dir = tempDir("pm-answers-");
    hub = await startHub(path.join(dir, "hub"));
  });

  afterAll(async () => {
    stopped = true;
    await answering;
    await hub?.stop();
  });

  it("refuses a range longer than asked, a search whose offset is no number or on the wrong side, and cuts an inspect tree to its bound", async () => {
    const { name, secret } = await enrolByHand(hub.url, "m-liar", "liar");
    const hash = HASH("d");
    const agentFetch = (route: string, body?: unknown) =>
      fetch(`${hub.url}${route}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const commands = ["stop", "relaunch", "delete", "range", "search", "line", "inspect", "usage"];
    const record = reportedProcess({ hash, name: "render", pid: 4242, outputFile: "/tmp/render.log", outputSize: 5_000 });
    const reported = await agentFetch(
      "/api/fleet/report",
      deltaReport({ machineId: "m-liar", seq: 0 }, bareFacts("liar", { commands }), { full: true, base: null, upserts: [record] }),
    );
    expect(reported.status, await reported.clone().text()).toBe(200);
    // Each command answered with what a broken or hostile agent might send.
    const node = (pid: number, children: unknown[] = []) => ({
      pid,
      name: "child",
      executable: "/bin/x",
      args: ["--frame", String(pid)],
      cwd: "/tmp",
      startTime: 1_700_000_000,
      cpuPercent: 0,
      rssBytes: 1,
      children,
    });
    const lie = (command: { kind: string; args: Record<string, unknown> }) => {
      if (command.kind === "range") {
        // 2 MB for a request of 1,000 bytes.
        const bytes = Buffer.alloc(2 * 1024 * 1024, "x");
        return { start: 0, end: bytes.length, size: bytes.length, inode: 7, identity: "7:0", base64: bytes.toString("base64") };
      }
      if (command.kind === "search")
        return command.args.count ? { count: "many", complete: true } : { match: { offset: "12", lineStart: 0 }, index: 1 };
      if (command.kind === "line") return { line: -3 };
      if (command.kind === "usage") return { at: Date.now(), status: "running", treeCpuPercent: 1, treeRssBytes: 1 };
      // 100 children of 100 children each: 10,100 processes, each level within the schema's 500.
      const tree = Array.from({ length: 100 }, (_, i) =>
        node(
          10_000 + i,
          Array.from({ length: 100 }, (_, k) => node(20_000 + i * 100 + k)),
        ),
      );
      return { descendants: tree, descendantsCut: 0, history: [], output: { exists: true, size: 5_000, lastLines: ["last"] } };
    };
    answering = (async () => {
      while (!stopped) {
        const polled = await agentFetch("/api/fleet/commands").catch(() => null);
        if (!polled?.ok) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        const { commands } = (await polled.json()) as { commands: Array<{ id: string; kind: string; args: Record<string, unknown> }> };
        for (const command of commands)
          await agentFetch(`/api/fleet/commands/${command.id}`, { ok: true, message: "ok", data: lie(command) });
      }
    })();
    const base = `/api/fleet/hosts/${name}/processes/${hash}/output`;
    for (const route of [
      `${base}?offset=0&length=1000`,
      `${base}/search?q=x&from=0&dir=next`,
      `${base}/search?q=x&from=0&count=1`,
      `${base}/line?offset=10`,
    ]) {
      const answer = await hub.api(route);
      expect(answer.status, `${route}: ${(await answer.clone().text()).slice(0, 300)}`).toBe(502);
      expect(await answer.json()).toMatchObject({ code: "BAD_ANSWER", error: expect.stringContaining("liar's agent answered") });
    }
    const cookie = `pm_session_${hub.port}=${await logIn(hub)}`;
    const detail = () => fetch(`${hub.url}/fleet/${name}/processes/${hash}`, { headers: { cookie } });
    // Pages show a reading of the store up to 2 s old: one made before the report has no record.
    await expect.poll(async () => (await detail()).status).toBe(200);
    const html = (await (await detail()).text()).replaceAll("<!-- -->", "");
    // Before: every one of the 10,100 processes, a page of megabytes.
    expect(html.includes("9,600 more child processes are not shown")).toBe(true);
    expect(html.length).toBeLessThan(1_500_000);
  });
});

describe("a host that floods its socket (issue 41, weakness 5)", () => {
  let dir: string;
  let hub: RunningServer;
  let honest: Workstation;
  let agent: RunningAgent;

  beforeAll(async () => {
    dir = tempDir("pm-flood-");
    hub = await startHub(path.join(dir, "hub"));
    honest = workstation(path.join(dir, "honest"), hub.url, "honest-node");
  });

  afterAll(async () => {
    await agent?.stop("SIGKILL");
    honest?.stopAll();
    await hub?.stop();
  });

  it("closes a socket sending beyond a fair rate, refuses reports beyond theirs, and an honest host's stop goes through meanwhile", async () => {
    const job = launch(honest, "job", "/bin/sleep", "300");
    agent = startAgent(honest);
    await waitUntil("the honest host's record", async () => (await fleetRecord(hub, "honest-node", job))?.running === true);
    const { secret } = await enrolByHand(hub.url, "m-flood", "flood");
    const open = () => agentSocket(hub.url, secret);

    // Reports as fast as it can (each one invalid): the first are checked, the rest refused unread.
    const reporter = await open();
    const statuses: number[] = [];
    const answered = new Promise<void>((resolve) =>
      reporter.on("message", (data) => {
        statuses.push((JSON.parse(String(data)) as { status: number }).status);
        if (statuses.length === 100) resolve();
      }),
    );
    for (let i = 0; i < 100; i += 1) reporter.send(JSON.stringify({ type: "report", id: `r${i}`, report: { protocol: 1, seq: "x" } }));
    await answered;
    reporter.close();
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThanOrEqual(SOCKET_RATES.reports.burst);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(20);

    // 200,000 results for commands it was never sent: closed after its burst, long before the end.
    const flooder = await open();
    const closed = new Promise<number>((resolve) => flooder.once("close", (code) => resolve(code)));
    const frame = JSON.stringify({ type: "result", id: "not-sent", result: { ok: true, message: "x", data: {} } });
    let sent = 0;
    const stopping = hub.api(`/api/fleet/hosts/honest-node/processes/${job}/stop`, { method: "POST" });
    while (sent < 200_000 && flooder.readyState === WebSocket.OPEN) {
      flooder.send(frame);
      sent += 1;
      if (sent % 1_000 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(await closed).toBe(1008);
    expect(sent).toBeLessThan(200_000);
    const health = await hub.api("/api/health");
    expect(health.status).toBe(200);
    const stop = await stopping;
    expect(stop.status, await stop.clone().text()).toBe(200);
    const metrics = await (await hub.api("/metrics")).text();
    expect(metrics).toMatch(/process_monitor_agent_rate_refusals_total\{what="socket"\} [1-9]/);
    expect(metrics).toMatch(/process_monitor_agent_rate_refusals_total\{what="report"\} [1-9]/);
  });
});

describe("enrolments with the fleet key in bulk (issue 41, weakness 7)", () => {
  let dir: string;
  let hub: RunningServer;

  beforeAll(async () => {
    dir = tempDir("pm-enrolments-");
    // 10 a minute: one comes back every 6 s, so the test does not race the refill (60: one a second).
    hub = await startHub(path.join(dir, "hub"), { env: { PROCESS_MONITOR_HUB_ENROLMENTS: "10" } });
  });

  afterAll(async () => {
    await hub?.stop();
  });

  it("takes PROCESS_MONITOR_HUB_ENROLMENTS new hosts a minute, and /metrics has series only for hosts that report", async () => {
    const enroll = (i: number, extra: Record<string, unknown> = {}) =>
      fetch(`${hub.url}/api/fleet/enroll`, {
        method: "POST",
        headers: { authorization: `Bearer ${FLEET_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          protocol: 1,
          hostId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
          machineId: `bulk-${i}`,
          hostname: `bulk-${i}`,
          ...extra,
        }),
      });
    const answers = [];
    for (let i = 0; i < 12; i += 1) answers.push(await enroll(i));
    const statuses = answers.map((a) => a.status);
    // Before: every one accepted (300 in 3.2 s), each a host and a series.
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(Number(answers[10]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await answers[10]!.json()).toMatchObject({ code: "TOO_MANY", error: expect.stringMatching(/10 new hosts in the last minute/) });
    // A known machine enrolling again with its secret is no new host: let in.
    const first = (await answers[0]!.json()) as { secret: string };
    expect((await enroll(0, { currentSecret: first.secret })).status).toBe(200);

    const { secret } = (await answers[1]!.json()) as { secret: string };
    const reported = await fetch(`${hub.url}/api/fleet/report`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify(deltaReport({ machineId: "bulk-1", seq: 0 }, bareFacts("bulk-1"), { full: true, base: null })),
    });
    expect(reported.status).toBe(200);
    await expect
      .poll(async () => {
        const text = await (await hub.api("/metrics")).text();
        return text.split("\n").filter((line) => line.startsWith("process_monitor_host_crashes_24h{"));
      })
      .toEqual(['process_monitor_host_crashes_24h{host="bulk-1"} 0', 'process_monitor_host_crashes_24h{host="(others)"} 0']);
  });
});
