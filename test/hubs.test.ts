import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  FLEET_KEY,
  fleetHost,
  startAgent,
  startHub,
  waitUntil,
  workstation,
  type RunningAgent,
  type Workstation,
  launch,
  recordOnHub,
} from "./support/fleet";
import type { RunningServer } from "./support/next-server";
import { postgresBin, startPostgres, type RunningPostgres } from "./support/postgres";
import { PROTOCOL_VERSION } from "@/lib/fleet/protocol";
import { tempDir } from "./support/temp";

// Several instances of one hub on one PostgreSQL (SPEC "The agents' channel"): agents split
// between them, a command given on either reaches an agent connected to the other, at once
// (LISTEN/NOTIFY); when an instance dies, an agent that lists both addresses goes on with the
// other, and nothing of meanwhile is lost. An instance takes back sockets at its admission rate.

const ADMISSIONS = 3;

async function stopOn(hub: RunningServer, host: string, hash: string) {
  const started = performance.now();
  const response = await hub.api(`/api/fleet/hosts/${host}/processes/${hash}/stop`, { method: "POST" });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, ms: performance.now() - started };
}

/** Opens a socket with `secret` and says how the hub answered: open, or its refusal's status, code and Retry-After. */
function socketWith(hub: RunningServer, secret: string) {
  return new Promise<{ open: boolean; status?: number; code?: string; retryAfter?: string | undefined }>((resolve, reject) => {
    const socket = new WebSocket(`${hub.url.replace(/^http/, "ws")}/api/fleet/channel`, { headers: { authorization: `Bearer ${secret}` } });
    socket.once("open", () => (socket.close(), resolve({ open: true })));
    socket.once("unexpected-response", (_req, response) => {
      let text = "";
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => {
        socket.terminate();
        const body = JSON.parse(text || "{}") as { code?: string };
        resolve({
          open: false,
          status: response.statusCode,
          code: body.code,
          retryAfter: response.headers["retry-after"] as string | undefined,
        });
      });
    });
    socket.once("error", reject);
  });
}

describe.skipIf(!postgresBin() && !process.env.CI)("several hub instances on one PostgreSQL", () => {
  let dir: string;
  let pg: RunningPostgres;
  let a: RunningServer;
  let b: RunningServer;
  const agents: RunningAgent[] = [];
  const stations: Workstation[] = [];

  function reporting(name: string, hubUrl: string) {
    const ws = workstation(path.join(dir, name), hubUrl, name);
    stations.push(ws);
    const agent = startAgent(ws);
    agents.push(agent);
    return { ws, agent, name };
  }

  beforeAll(async () => {
    dir = tempDir("pm-hubs-");
    pg = await startPostgres();
    [a, b] = await Promise.all([
      startHub(path.join(dir, "hub-a"), { fleetDb: pg.url }),
      startHub(path.join(dir, "hub-b"), { fleetDb: pg.url, env: { PROCESS_MONITOR_HUB_ADMISSIONS: String(ADMISSIONS) } }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.stop("SIGKILL")));
    for (const ws of stations) ws.stopAll();
    await Promise.all([a?.stop(), b?.stop()]);
    await pg?.stop();
  });

  it("takes a stop given on either instance to an agent connected to the other, and goes on on the other when one dies", async () => {
    const onA = reporting("on-a", a.url);
    const onB = reporting("on-b", b.url);
    // Lists both addresses: connected to the first until it dies.
    const both = reporting("both", `${a.url},${b.url}`);
    const flag = path.join(dir, "end-now");
    const jobs = {
      onA: [launch(onA.ws, "a1", "/bin/sleep", "300"), launch(onA.ws, "a2", "/bin/sleep", "300")],
      onB: [launch(onB.ws, "b1", "/bin/sleep", "300"), launch(onB.ws, "b2", "/bin/sleep", "300")],
      both: [
        launch(both.ws, "c1", "/bin/sleep", "300"),
        launch(both.ws, "c2", "/bin/sh", "-c", `while [ ! -e ${flag} ]; do sleep 0.2; done; exit 3`),
      ],
    };
    const all: Array<[string, string]> = [
      ...jobs.onA.map((h): [string, string] => ["on-a", h]),
      ...jobs.onB.map((h): [string, string] => ["on-b", h]),
      ...jobs.both.map((h): [string, string] => ["both", h]),
    ];
    // Each instance reads what the others stored.
    for (const hub of [a, b]) {
      await waitUntil(
        "every record running on both instances",
        async () => (await Promise.all(all.map(([host, hash]) => recordOnHub(hub, host, hash)))).every((r) => r?.status === "running"),
        60_000,
      );
    }
    for (const agent of [onA, onB, both]) expect(agent.agent.logs()).toContain("connected to the hub over a WebSocket");

    // Crossed: each stop is given on the instance the agent is not connected to, and on its own.
    const crossed = [await stopOn(b, "on-a", jobs.onA[0]!), await stopOn(a, "on-b", jobs.onB[0]!)];
    const direct = [await stopOn(a, "on-a", jobs.onA[1]!), await stopOn(b, "on-b", jobs.onB[1]!)];
    for (const stop of [...crossed, ...direct])
      expect(stop).toMatchObject({ status: 200, body: { ok: true, data: { outcome: "stopped" } } });
    console.log(
      `stop through the other instance: ${crossed.map((s) => s.ms.toFixed(0)).join(", ")} ms; through its own: ${direct.map((s) => s.ms.toFixed(0)).join(", ")} ms`,
    );
    for (const [host, hash] of [...jobs.onA.map((h) => ["on-a", h]), ...jobs.onB.map((h) => ["on-b", h])] as Array<[string, string]>) {
      await waitUntil(
        `${host}'s record stopped on both`,
        async () => (await recordOnHub(a, host, hash))?.status === "stopped" && (await recordOnHub(b, host, hash))?.status === "stopped",
      );
    }

    // Instance A dies; an exit happens meanwhile on the workstation that lists both addresses.
    await a.stop("SIGKILL");
    fs.writeFileSync(flag, "");
    await waitUntil(
      "the exit recorded on the workstation",
      async () => JSON.parse(both.ws.cli("show", "--json", jobs.both[1]!).stdout).exitCode === 3,
    );
    await waitUntil("the agent on the other address", async () => both.agent.logs().includes(`asking ${b.url} from now on`), 60_000);
    await waitUntil(
      "the exit on the other instance, once",
      async () => (await recordOnHub(b, "both", jobs.both[1]!))?.exitCode === 3 && (await fleetHost(b, "both"))?.crashes24h === 1,
      60_000,
    );
    // Still one host (its credentials are the fleet's, whichever instance answers), and commands reach it.
    expect((await (await b.api("/api/fleet/hosts")).json()).hosts.filter((h: { name: string }) => h.name.startsWith("both"))).toHaveLength(
      1,
    );
    expect(await stopOn(b, "both", jobs.both[0]!)).toMatchObject({ status: 200, body: { ok: true, data: { outcome: "stopped" } } });
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await fleetHost(b, "both"))?.crashes24h).toBe(1);
  }, 240_000);

  it("opens agents' sockets at its admission rate and tells the rest when to come back", async () => {
    const enrolled = await fetch(`${b.url}/api/fleet/enroll`, {
      method: "POST",
      headers: { authorization: `Bearer ${FLEET_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        protocol: PROTOCOL_VERSION,
        hostId: "6f1f0f4e-1f1d-4b4e-9d7e-2f9f4c3b2a10",
        machineId: "admissions-machine",
        hostname: "admissions",
      }),
    });
    expect(enrolled.status).toBe(200);
    const { secret } = (await enrolled.json()) as { secret: string };
    // Past the agents this instance already took, a burst of twice its rate at once.
    await new Promise((r) => setTimeout(r, 1_500));
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: ADMISSIONS * 2 }, () => socketWith(b, secret)));
    // A token bucket: a second's worth at once, refilled as time goes. On a loaded machine the
    // burst itself takes a while (each upgrade reads the store), and what was refilled meanwhile counts.
    const allowed = ADMISSIONS + Math.floor(((performance.now() - started) / 1000) * ADMISSIONS);
    const refused = answers.filter((x) => !x.open);
    expect(answers.filter((x) => x.open).length).toBeLessThanOrEqual(allowed);
    expect(refused.length).toBeGreaterThanOrEqual(ADMISSIONS * 2 - allowed);
    for (const r of refused) {
      expect(r).toMatchObject({ status: 503, code: "BUSY" });
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // A second later, one more is let in.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await socketWith(b, secret)).toEqual({ open: true });
  });
});
