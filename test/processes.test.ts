import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { openProcesses } from "../lib/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectProcesses, ALL, SORT_KEYS, type ProcessQuery } from "../lib/processes/query";
import { apiListParams, listHref, pageQuery, parseListPage } from "../lib/processes/query-params";
import { statusText, type ProcessView } from "../lib/processes/status";
import { Registry } from "../lib/registry";
import type { ListedProcess } from "../lib/registry/types";
import Database from "better-sqlite3";
import { viewWork } from "../lib/processes/view";
import { parseEnvLines } from "../lib/validation/launch";
import { startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

function view(partial: Partial<ProcessView> & { hash: string }): { view: ProcessView } {
  return {
    view: {
      name: "x",
      pid: null,
      executable: "/bin/x",
      currentExecutable: null,
      user: null,
      args: [],
      cwd: null,
      status: "stopped",
      exitCode: null,
      exitSignal: null,
      stopSignal: null,
      exitObserved: false,
      startTime: null,
      endedAt: null,
      createdAt: null,
      runtime: null,
      cpuPercent: null,
      rssBytes: null,
      outputFile: null,
      outputSize: null,
      outputGrowth: null,
      runawayOutput: false,
      liveChildren: 0,
      warnings: [],
      peakMemoryBytes: null,
      ownCpuPercent: null,
      ownRssBytes: null,
      cpuSeconds: null,
      endReason: null,
      ...partial,
    },
  };
}

// Newest first, as the registry lists them.
const items = [
  view({ hash: "aa01", name: "Maya", executable: "/opt/maya/bin/maya.bin", pid: 300, status: "running", cpuPercent: 50, startTime: 30 }),
  view({
    hash: "bb02",
    name: "nuke",
    executable: "/opt/nuke/Nuke15",
    args: ["--script", "COMP_sh010.nk"],
    pid: 200,
    status: "stopped",
    startTime: 20,
  }),
  view({
    hash: "cc03",
    name: "render",
    executable: "/usr/bin/hython",
    args: ["render.py"],
    pid: 100,
    status: "unverified",
    cpuPercent: 90,
    startTime: 10,
  }),
  view({ hash: "dd04", name: "husk", executable: "/usr/bin/husk", pid: 400, status: "children", liveChildren: 2, startTime: null }),
];
const query = (change: Partial<ProcessQuery>): ProcessQuery => ({ ...ALL, ...change });
const hashes = (change: Partial<ProcessQuery>) => selectProcesses(items, query(change)).items.map((i) => i.view.hash);

describe("the one list query", () => {
  it("filters by status, counting every status before the filter", () => {
    expect(hashes({ status: "running" })).toEqual(["aa01", "cc03", "dd04"]);
    expect(hashes({ status: "stopped" })).toEqual(["bb02"]);
    expect(selectProcesses(items, query({ status: "stopped" })).counts).toEqual({ all: 4, running: 3, stopped: 1, failed: 0 });
  });

  it("filters the failed: a non-zero exit or a signal from outside, never a stop of ours or a clean exit", () => {
    const ended = (hash: string, end: Partial<ProcessView>) => view({ hash, name: hash, status: "stopped", ...end });
    const all = [
      ...items,
      ended("ee05", { exitCode: 3 }),
      ended("ff06", { exitSignal: "SIGKILL" }),
      ended("ab07", { exitSignal: "SIGTERM", stopSignal: "SIGTERM" }),
      ended("ab08", { exitCode: 0 }),
      ended("ab09", { exitCode: 137, stopSignal: "SIGKILL" }),
    ];
    const failed = selectProcesses(all, query({ status: "failed" }));
    expect(failed.items.map((i) => i.view.hash)).toEqual(["ee05", "ff06"]);
    expect(failed.counts).toEqual({ all: 9, running: 3, stopped: 6, failed: 2 });
  });

  it("searches name, executable and arguments (any case), a hash prefix, or an exact pid", () => {
    expect(hashes({ q: "MAYA" })).toEqual(["aa01"]);
    expect(hashes({ q: "hython" })).toEqual(["cc03"]);
    expect(hashes({ q: "comp_sh010" })).toEqual(["bb02"]);
    expect(hashes({ q: "dd" })).toEqual(["dd04"]);
    expect(hashes({ q: "200" })).toEqual(["bb02"]);
    expect(hashes({ q: "20" })).toEqual([]); // a pid matches whole, not as a prefix
    expect(hashes({ q: "  nuke  " })).toEqual(["bb02"]);
    expect(selectProcesses(items, query({ q: "opt" })).total).toBe(2);
  });

  it("sorts stably with missing values last, either way, and pages", () => {
    expect(hashes({ sort: "cpu", dir: "desc" })).toEqual(["cc03", "aa01", "bb02", "dd04"]);
    expect(hashes({ sort: "cpu", dir: "asc" })).toEqual(["aa01", "cc03", "bb02", "dd04"]);
    expect(hashes({ sort: "started", dir: "asc" })).toEqual(["cc03", "bb02", "aa01", "dd04"]);
    expect(hashes({ sort: "status", dir: "asc" })).toEqual(["aa01", "cc03", "dd04", "bb02"]);
    expect(hashes({ sort: "name", dir: "asc" })).toEqual(["dd04", "aa01", "bb02", "cc03"]);
    expect(hashes({ dir: "asc" })).toEqual(["dd04", "cc03", "bb02", "aa01"]);
    const page = selectProcesses(items, query({ offset: 1, limit: 2 }));
    expect(page.items.map((i) => i.view.hash)).toEqual(["bb02", "cc03"]);
    expect(page.total).toBe(4);
  });

  it("pages a long list sorted by any column as the whole sort would: only the page is ordered, ties kept in list order", () => {
    // 5,000 records with few distinct values (many ties) and missing ones: a page of them takes
    // the first rows without sorting the rest, and must be the same rows as the whole order's.
    let seed = 7;
    const random = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
    const many = Array.from({ length: 5_000 }, (_, i) =>
      view({
        hash: i.toString(16).padStart(4, "0"),
        name: ["maya", "Nuke", "houdini", "render"][random(4)]!,
        pid: random(10) === 0 ? null : random(500),
        status: (["running", "stopped", "unverified", "children"] as const)[random(4)]!,
        startTime: random(8) === 0 ? null : random(100),
        cpuPercent: random(5) === 0 ? null : random(50),
        rssBytes: random(3) === 0 ? null : random(1_000) * 1024,
        outputSize: random(2) === 0 ? null : random(100),
      }),
    );
    for (const sort of SORT_KEYS) {
      for (const dir of ["asc", "desc"] as const) {
        const whole = selectProcesses(many, query({ sort, dir })).items.map((i) => i.view.hash);
        expect(whole).toHaveLength(5_000);
        for (const [offset, limit] of [
          [0, 100],
          [250, 50],
          [4_990, 100],
        ] as const) {
          const page = selectProcesses(many, query({ sort, dir, offset, limit }));
          expect(page.items.map((i) => i.view.hash)).toEqual(whole.slice(offset, offset + limit));
          expect(page.total).toBe(5_000);
        }
      }
    }
    // The whole order itself: stable, missing values last, either way.
    const byCpu = selectProcesses(many, query({ sort: "cpu", dir: "desc" })).items;
    for (let k = 1; k < byCpu.length; k += 1) {
      const [a, b] = [byCpu[k - 1]!.view, byCpu[k]!.view];
      if (a.cpuPercent === null) expect(b.cpuPercent).toBeNull();
      else if (b.cpuPercent !== null) {
        expect(a.cpuPercent).toBeGreaterThanOrEqual(b.cpuPercent);
        if (a.cpuPercent === b.cpuPercent) expect(a.hash < b.hash).toBe(true);
      }
    }
  });

  it("reads the list page's URL forgivingly and the API's strictly, into the same query", () => {
    const state = parseListPage({ status: "nonsense", q: ["maya", "x"], sort: "cpu", dir: "up", page: "-3" });
    expect(state).toEqual({ status: "all", q: "maya", sort: "cpu", dir: "desc", page: 1 });
    expect(pageQuery({ ...state, page: 3 })).toMatchObject({ offset: 200, limit: 100 });
    expect(listHref(state, { status: "running", page: 2 })).toBe("/?status=running&q=maya&sort=cpu&page=2");
    expect(listHref(parseListPage({}), {})).toBe("/");
    expect(apiListParams.parse({ status: "running", q: "maya", limit: "20", offset: "40" })).toEqual({
      status: "running",
      q: "maya",
      sort: "created",
      dir: "desc",
      limit: 20,
      offset: 40,
    });
    expect(apiListParams.safeParse({ status: "nonsense" }).success).toBe(false);
    expect(apiListParams.safeParse({ limit: "0" }).success).toBe(false);
  });
});

describe("the one status vocabulary", () => {
  it("words every status the same for pages and the CLI", () => {
    const base = { exitCode: null, exitSignal: null, stopSignal: null };
    expect(statusText({ ...base, status: "running" })).toBe("running");
    expect(statusText({ ...base, status: "unverified" })).toBe("running (unverified)");
    expect(statusText({ ...base, status: "children", liveChildren: 3 })).toBe("children running (3)");
    expect(statusText({ ...base, status: "stopped" })).toBe("stopped");
    expect(statusText({ ...base, status: "stopped", exitCode: 3 })).toBe("exited 3");
    expect(statusText({ ...base, status: "stopped", exitSignal: "SIGKILL" })).toBe("killed by SIGKILL");
    expect(statusText({ ...base, status: "stopped", exitSignal: "SIGTERM", stopSignal: "SIGTERM" })).toBe("stopped by user (SIGTERM)");
  });
});

describe("environment lines", () => {
  it("parses KEY=VALUE lines, skipping blanks and comments, and names bad lines", () => {
    expect(parseEnvLines(["SHOT=sh010", "", "# note", "PATH=/a:/b=c", "EMPTY=", "WIN=x\r"])).toEqual({
      env: { SHOT: "sh010", PATH: "/a:/b=c", EMPTY: "", WIN: "x" },
      errors: [],
    });
    // Any name without "=" or NUL is a name (as for the real environment); no "=" or no name is not.
    const bad = parseEnvLines(["=nokey", "no equals", "OK=1"]);
    expect(bad.env).toEqual({ OK: "1" });
    expect(bad.errors).toHaveLength(2);
    expect(bad.errors[0]).toMatch(/^Line 1: expected KEY=VALUE/);
  });
});

describe("one door, three ways in", () => {
  const dir = tempDir("pm-door-");
  const dbPath = path.join(dir, "registry.db");
  let server: RunningServer;

  beforeAll(async () => {
    const registry = await Registry.open(dbPath);
    for (let i = 0; i < 12; i++) {
      await registry.store({
        name: i % 3 === 0 ? `maya-${i}` : `nuke-${i}`,
        executable: i % 2 ? "/opt/maya/bin/maya.bin" : "/opt/nuke/Nuke15",
        args: [`--frame=${i}`],
        pid: 4_800_000 + i,
        stopped: i % 4 === 0,
      });
    }
    // One that runs: this test process.
    await registry.store({ name: "maya-live", executable: process.execPath, pid: process.pid, startTime: null });
    await registry.close();
    server = await startServer({ PROCESS_MONITOR_DB: dbPath, HOME: dir });
  }, 120_000);
  afterAll(() => server?.stop());

  it("answers the CLI, the API and the list page with the same records in the same order", async () => {
    for (const [status, q] of [
      ["all", ""],
      ["stopped", ""],
      ["all", "maya"],
      ["stopped", "nuke"],
      ["running", "maya"],
    ] as const) {
      const api = (await (await server.api(`/api/processes?status=${status}&q=${q}&limit=1000`)).json()) as {
        processes: { hash: string }[];
      };
      const page = await (await server.api(`/?status=${status}&q=${q}`)).text();
      const onPage = [...page.matchAll(/data-hash="([0-9a-f]{64})"/g)].map((m) => m[1]);
      const cliArgs = ["bin/process-monitor.js", "list", "--json", "--db", dbPath, "--search", q];
      if (status !== "all") cliArgs.push(`--${status}`);
      const cli = (JSON.parse(execFileSync(process.execPath, cliArgs, { encoding: "utf8" })) as { hash: string }[]).map((r) => r.hash);
      const fromApi = api.processes.map((p) => p.hash);
      expect(fromApi.length, `${status} ${q}`).toBeGreaterThan(0);
      expect(onPage, `${status} ${q}`).toEqual(fromApi);
      expect(cli, `${status} ${q}`).toEqual(fromApi);
    }
  }, 60_000);
});

describe("one CPU and memory figure per record", () => {
  it("counts a wrapper's busy child in the record's figure (the list, sorting, the detail page), with the wrapper's own share beside it", async () => {
    const dir = tempDir("pm-tree-usage-");
    const { processes: door, close } = await openProcesses(path.join(dir, "registry.db"), dir, { usage: true });
    try {
      const python = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
      const busy = (
        await door.launch({ name: "wrapper", executable: "/bin/bash", args: ["-c", `sleep 1000 & ${python} -c "while True: pass"`] })
      ).record.hash;
      const idle = (await door.launch({ name: "idle", executable: "/bin/sleep", args: ["1000"] })).record.hash;
      try {
        // CPU is a rate between two readings of the table.
        let item;
        for (let i = 0; i < 20; i += 1) {
          await new Promise((r) => setTimeout(r, 500));
          const list = await door.list({ ...ALL, sort: "cpu" });
          item = list.items.find((x) => x.view.hash === busy);
          if ((item?.view.cpuPercent ?? 0) > 40) break;
        }
        expect(item!.view.cpuPercent).toBeGreaterThan(40);
        expect(item!.view.ownCpuPercent).toBeLessThan(10);
        expect(item!.view.rssBytes).toBeGreaterThan(item!.view.ownRssBytes!);
        const sorted = await door.list({ ...ALL, sort: "cpu" });
        expect(sorted.items[0]!.view.hash).toBe(busy);
        expect(sorted.items.map((x) => x.view.hash)).toContain(idle);
        // Each is a rate since the last reading: asked again until a reading on a loaded machine shows the busy child.
        await expect.poll(async () => (await door.detail(busy))!.process.cpuPercent, { interval: 500 }).toBeGreaterThan(40);
        await expect.poll(async () => (await door.usage(busy))!.treeCpuPercent, { interval: 500 }).toBeGreaterThan(40);
        expect((await door.usage(busy))!.cpuPercent).toBeLessThan(10);
      } finally {
        await door.stop(busy, { force: true });
        await door.stop(idle, { force: true });
      }
    } finally {
      await close();
    }
  }, 30_000);
});

describe("a listing's work is its page's (issue 36)", () => {
  it("makes views, decides end reasons and walks trees for the page's rows only, of 1,000 records", async () => {
    const dir = tempDir("pm-list-work-");
    const db = path.join(dir, "registry.db");
    const { processes: door, close } = await openProcesses(db, dir, { usage: true });
    const launched: string[] = [];
    try {
      for (let i = 0; i < 5; i += 1)
        launched.push((await door.launch({ name: `live-${i}`, executable: "/bin/sleep", args: ["600"] })).record.hash);
      // 995 ended records, as AYON or a CLI left them: one in three failed.
      const raw = new Database(db);
      const insert = raw.prepare(
        "INSERT INTO process_info (hash, name, executable, args, env, cwd, pid, start_time, stopped, exit_code, ended_at) VALUES (?, ?, '/bin/x', '[]', '{}', '/tmp', ?, ?, 1, ?, ?)",
      );
      raw.transaction(() => {
        for (let i = 0; i < 995; i += 1)
          insert.run(
            `${i.toString(16).padStart(6, "0")}${"e".repeat(58)}`,
            `ended-${i}`,
            4_000_000 + i,
            1_764_000_000 + i,
            i % 3 === 0 ? 1 : 0,
            1_764_000_100 + i,
          );
      })();
      raw.close();
      const work = async (query: Partial<ProcessQuery>) => {
        const before = { ...viewWork };
        const list = await door.list({ ...ALL, limit: 100, ...query });
        return {
          list,
          views: viewWork.views - before.views,
          endReasons: viewWork.endReasons - before.endReasons,
          trees: viewWork.trees - before.trees,
        };
      };
      const newest = await work({});
      expect(newest.list.total).toBe(1_000);
      expect(newest.list.counts).toEqual({ all: 1_000, running: 5, stopped: 995, failed: 332 });
      expect(newest.list.items).toHaveLength(100);
      // Before: a view, an end reason and a tree for every one of the 1,000.
      expect(newest.views).toBe(100);
      expect(newest.endReasons).toBeLessThanOrEqual(100);
      expect(newest.trees).toBeLessThanOrEqual(5);
      // Environments (AYON's are kilobytes each) are read for the page's rows alone, and given to them.
      const listed = (await door.records(ALL)).items as Array<ListedProcess & { envLoaded: boolean }>;
      const read = listed.filter((r) => r.envLoaded).map((r) => r.hash);
      expect(read.sort()).toEqual(newest.list.items.map((i) => i.record.hash).sort());
      expect(newest.list.items.every((i) => typeof i.record.env === "object")).toBe(true);
      const failed = await work({ status: "failed", sort: "name" });
      expect(failed.list.total).toBe(332);
      expect(failed.views).toBe(100);
      expect(failed.list.items.every((i) => i.view.endReason?.kind === "exit" && i.view.exitCode === 1)).toBe(true);
      // Sorted by memory: every live tree is walked to sort, the views are still the page's.
      const byMemory = await work({ sort: "memory" });
      expect(byMemory.views).toBe(100);
      expect(byMemory.trees).toBeLessThanOrEqual(10);
      expect(byMemory.list.items.slice(0, 5).map((i) => i.view.status)).toEqual(Array(5).fill("running"));
    } finally {
      for (const hash of launched) await door.stop(hash, { force: true });
      await close();
    }
  }, 60_000);
});

describe("a record's columns, declared once", () => {
  it("has schema.prisma's model mirror prisma/registry-schema.ts's COLUMNS, in order", async () => {
    const { COLUMNS, CREATE_TABLE_SQL, APPENDED_COLUMNS, AYON_COLUMNS } = await import("../prisma/registry-schema");
    const fs = await import("node:fs");
    const model = /model ProcessInfo \{([\s\S]*?)\n\}/.exec(fs.readFileSync("prisma/schema.prisma", "utf8"))![1]!;
    const columns = model
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => /^[a-zA-Z]/.test(line))
      .map((line) => /@map\("([^"]+)"\)/.exec(line)?.[1] ?? line.split(/\s+/)[0]);
    expect(columns).toEqual(COLUMNS.map((c) => c.name));
    expect(AYON_COLUMNS).toEqual(["hash", "name", "executable", "args", "env", "cwd", "pid", "output_file", "start_time", "created_at"]);
    expect(APPENDED_COLUMNS.map((c) => c.name)).toEqual([
      "stopped",
      "exit_code",
      "exit_signal",
      "ended_at",
      "keeper_pid",
      "stop_signal",
      "launched_by",
    ]);
    expect(CREATE_TABLE_SQL).toContain("  hash TEXT PRIMARY KEY,\n  name TEXT,");
  });
});
