import { describe, expect, it } from "vitest";
import { buildDelta, detectExits, fingerprint } from "@/lib/fleet/agent/delta";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freshState, loadState } from "@/lib/fleet/agent/state";
import { hubBaseUrl } from "@/lib/fleet/agent/hub-client";
import { isCrash } from "@/lib/processes/status";
import { baseName, uniqueName } from "@/lib/fleet/hub/names";
import { hostStatus } from "@/lib/fleet/hub/status";
import type { ReportedProcess } from "@/lib/fleet/protocol";
import { reportedProcess } from "./support/reported";
import { agentCommands, executeCommand } from "@/lib/fleet/agent/commands";
import { agentCarriesOut } from "@/lib/fleet/protocol";
import { openProcesses } from "@/lib/processes/index";
import { tempDbPath } from "./support/temp";
import { hostSeries, OTHER_HOSTS } from "@/lib/metrics/host-series";
import { RateBucket } from "@/lib/fleet/hub/rates";
import { refusalCode } from "@/lib/fleet/hub/fleet";
import { STATUS_OF } from "@/lib/status-of";

// The agent's bookkeeping and the hub's small rules, on plain values (the whole path with
// real processes, hubs and PostgreSQL is in fleet.test.ts).

function record(n: number, change: Partial<ReportedProcess> = {}): ReportedProcess {
  return reportedProcess({ hash: n.toString(16).padStart(64, "0"), name: `job-${n}`, pid: 1000 + n, ...change });
}

describe("the agent's deltas", () => {
  it("sends everything first, then only what moved beyond noise, and what went away", () => {
    const state = freshState("http://127.0.0.1:1", "k");
    const first = buildDelta(state, [record(1), record(2)]);
    expect(first.full).toBe(true);
    expect(first.upserts).toHaveLength(2);
    const accepted = { ...state, base: 1, accepted: first.next };

    const noise = buildDelta(accepted, [record(1, { cpuPercent: 11 }), record(2, { rssBytes: 101 * 2 ** 20 })]);
    expect(noise).toMatchObject({ full: false, upserts: [], removed: [] });
    const moved = buildDelta(accepted, [record(1, { cpuPercent: 80 }), record(3)]);
    expect(moved.upserts.map((p) => p.name)).toEqual(["job-1", "job-3"]);
    expect(moved.removed).toEqual([record(2).hash]);
    expect(fingerprint(record(1, { env: { A: "2" } }))).not.toBe(fingerprint(record(1)));
  });

  it("turns an end into one pending exit: a record held as running, or a new one that ended since reporting began", () => {
    const state = { ...freshState("h", "k"), since: 2_000_000, base: 1 };
    state.accepted = buildDelta(state, [record(1)]).next;
    const ended = record(1, { status: "stopped", exitCode: 3, endedAt: 1_500 });
    const quick = record(2, { status: "stopped", exitCode: 1, endedAt: 2_100 });
    const history = record(3, { status: "stopped", exitCode: 1, endedAt: 1_000 });
    const exits = detectExits(state, [ended, quick, history]);
    expect(exits.map((e) => [e.name, e.exitCode])).toEqual([
      ["job-1", 3],
      ["job-2", 1],
    ]);
    state.pending.push(...exits);
    expect(detectExits(state, [ended, quick, history])).toEqual([]);
  });

  it("waits for a keeper's record of how it ended when a listing found the process gone first", () => {
    const state = { ...freshState("h", "k"), since: 2_000_000, base: 1 };
    state.accepted = buildDelta(state, [record(1)]).next;
    const gone = record(1, { status: "stopped", exitCode: null, exitSignal: null, endedAt: null, exitObserved: true });
    expect(detectExits(state, [gone])).toEqual([]);
    state.accepted = buildDelta(state, [gone]).next;
    const crashed = record(1, { status: "stopped", exitCode: 2, endedAt: 2_100, exitObserved: true });
    expect(detectExits(state, [crashed]).map((e) => [e.name, e.exitCode])).toEqual([["job-1", 2]]);
  });
});

describe("the hub's rules", () => {
  it("keeps /metrics' per-host series bounded: hosts heard in the last day, the most crashes first, the rest summed", () => {
    const now = Date.UTC(2026, 11, 7);
    const hosts = [
      ...Array.from({ length: 8 }, (_, i) => ({ name: `ws-${i}`, lastSeen: now - 60_000, value: i % 3 })),
      { name: "silent", lastSeen: now - 2 * 86_400_000, value: 4 },
      ...Array.from({ length: 300 }, (_, i) => ({ name: `enrolled-${i}`, lastSeen: null, value: 0 })),
    ];
    const series = hostSeries(hosts, now, 5);
    expect(series.map((s) => s.host)).toEqual(["ws-2", "ws-5", "ws-1", "ws-4", "ws-7", OTHER_HOSTS]);
    expect(series.at(-1)!.value).toBe(4);
    expect(series.reduce((sum, s) => sum + s.value, 0)).toBe(hosts.reduce((sum, h) => sum + h.value, 0));
    expect(hostSeries(hosts.slice(0, 3), now)).toEqual([
      { host: "ws-2", value: 2 },
      { host: "ws-1", value: 1 },
      { host: "ws-0", value: 0 },
    ]);
  });

  it("lets a burst through, then one per refill", () => {
    const bucket = new RateBucket({ perSecond: 2, burst: 3 });
    const t = 1_000;
    expect([bucket.take(t), bucket.take(t), bucket.take(t), bucket.take(t)]).toEqual([true, true, true, false]);
    expect(bucket.waitSeconds()).toBe(1);
    expect(bucket.take(t + 400)).toBe(false);
    expect(bucket.take(t + 500)).toBe(true);
    expect(bucket.take(t + 100_000)).toBe(true);
  });

  it("calls a host stale after 3 missed heartbeats and offline after 6", () => {
    const now = 1_000_000;
    expect(hostStatus(now - 2_000, 1, now)).toBe("online");
    expect(hostStatus(now - 3_500, 1, now)).toBe("stale");
    expect(hostStatus(now - 6_500, 1, now)).toBe("offline");
    expect(hostStatus(now - 14_000, 5, now)).toBe("online");
    expect(hostStatus(null, 5, now)).toBe("offline");
  });

  it("makes hostnames URL-safe and unique", () => {
    expect(baseName("Render Node #7.studio.local")).toBe("render-node-7.studio.local");
    expect(baseName("../..")).toBe("host");
    expect(uniqueName("ws", new Set(["ws", "ws-2"]))).toBe("ws-3");
  });

  it("counts non-zero codes and signals as crashes, but not a stop of ours", () => {
    expect(isCrash({ exitCode: 1, exitSignal: null, stopSignal: null })).toBe(true);
    expect(isCrash({ exitCode: null, exitSignal: "SIGSEGV", stopSignal: null })).toBe(true);
    expect(isCrash({ exitCode: 0, exitSignal: null, stopSignal: null })).toBe(false);
    expect(isCrash({ exitCode: null, exitSignal: "SIGTERM", stopSignal: "SIGTERM" })).toBe(false);
  });

  it("lets an agent use plain http:// only to a hub on this machine, or when told to", () => {
    expect(hubBaseUrl("http://127.0.0.1:3000/")).toBe("http://127.0.0.1:3000");
    expect(hubBaseUrl("https://hub.studio:3000")).toBe("https://hub.studio:3000");
    expect(() => hubBaseUrl("http://hub.studio:3000", false)).toThrow(/in clear/);
    expect(hubBaseUrl("http://hub.studio:3000", true)).toBe("http://hub.studio:3000");
    expect(() => hubBaseUrl("hub.studio")).toThrow(/not a URL/);
  });
});

describe("the agent's state file, never trusted", () => {
  const exit = (c: string) => ({
    hash: c.repeat(64),
    name: "job",
    exitCode: 1,
    exitSignal: null,
    stopSignal: null,
    endedAt: 1_700_000_000,
  });
  const load = (content: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-state-"));
    try {
      fs.writeFileSync(path.join(dir, "agent-state.json"), content);
      return loadState("http://hub", dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it("is taken as it is when it checks", () => {
    const good = { ...freshState("http://hub", "k"), seq: 4, base: 4, pending: [exit("a")] };
    expect(load(JSON.stringify(good))).toEqual(good);
  });

  it("is repaired to a full report when damaged, keeping the seq used and every exit still owed", () => {
    const state = load(
      JSON.stringify({ hub: "http://hub", seq: 9, base: "x", accepted: 5, pending: [exit("a"), { hash: "nope" }, exit("b")] }),
    );
    expect(state.base).toBeNull();
    expect(state.accepted).toEqual({});
    expect(state.seq).toBe(9);
    expect(state.pending.map((e) => e.hash[0])).toEqual(["a", "b"]);
  });

  it("starts over when it is not JSON, or belongs to another hub", () => {
    expect(load("{oops").base).toBeNull();
    expect(load(JSON.stringify({ ...freshState("http://other", "k"), base: 3, pending: [exit("a")] })).pending).toEqual([]);
  });
});

describe("a launch from the hub, decided on the workstation", () => {
  it("answers a record gone from the workstation with NOT_FOUND, whichever command, and the hub keeps that code and its status", async () => {
    const { processes, close } = await openProcesses(tempDbPath());
    try {
      const gone = "a".repeat(64);
      for (const kind of ["stop", "relaunch", "delete", "inspect", "usage", "range"] as const) {
        const answer = await executeCommand(processes, { id: kind, kind, hash: gone, args: {} });
        expect(answer, kind).toMatchObject({ ok: false, data: { code: "NOT_FOUND" } });
        expect(STATUS_OF[refusalCode(answer.data.code, "COMMAND_FAILED")], kind).toBe(404);
      }
    } finally {
      await close();
    }
    // None sent: the command's own; one this hub does not know (a newer agent's): COMMAND_FAILED, 409.
    expect(refusalCode(undefined, "COMMAND_FAILED")).toBe("COMMAND_FAILED");
    expect(refusalCode("PERMISSION", "COMMAND_FAILED")).toBe("PERMISSION");
    expect(refusalCode("SOMETHING_NEWER", "NOT_FOUND")).toBe("COMMAND_FAILED");
    expect(STATUS_OF.COMMAND_FAILED).toBe(409);
  });

  it("is listed and carried out only where PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH=1, whatever the hub sends", async () => {
    expect(agentCommands({})).not.toContain("launch");
    expect(agentCommands({ PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH: "true" })).not.toContain("launch");
    expect(agentCommands({ PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH: "1" })).toContain("launch");
    // An agent that lists no commands (older) is sent only the original six.
    expect(agentCarriesOut({}, "stop")).toBe(true);
    expect(agentCarriesOut({}, "launch")).toBe(false);
    expect(agentCarriesOut({ commands: ["stop"] }, "inspect")).toBe(false);

    const { processes, dbPath, close } = await openProcesses(tempDbPath());
    const before = process.env.PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH;
    delete process.env.PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH;
    try {
      const command = {
        id: "c1",
        kind: "launch" as const,
        hash: "",
        args: { launch: { name: "sent-anyway", executable: "/bin/true", args: [], env: {}, envMode: "merge" as const, cwd: undefined } },
      };
      const answer = await executeCommand(processes, command);
      expect(answer).toMatchObject({ ok: false, data: { code: "LAUNCH_NOT_ALLOWED" } });
      expect(answer.message).toContain("PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH=1");
      expect((await processes.list()).items).toHaveLength(0);
      expect(fs.existsSync(dbPath)).toBe(true);
    } finally {
      if (before === undefined) delete process.env.PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH;
      else process.env.PROCESS_MONITOR_ALLOW_REMOTE_LAUNCH = before;
      await close();
    }
  });
});
