// The record that outlives its process (SPEC "The end record"): real programs, sampled as the
// server or the agent samples them, then ended every way a program ends.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openProcesses } from "../lib/processes";
import type { LocalProcesses } from "../lib/processes/local";
import { endPatterns, matchEnd, matchEndBounded, PYTHON_TRACEBACK, TESTED_LINE_CHARS } from "../lib/processes/end-patterns";
import { Registry } from "../lib/registry";
import { compact, MAX_POINTS, type UsagePoint } from "../lib/registry/history";
import { toProcessJson } from "../lib/registry/json";
import { parseNvidiaSmi } from "../lib/system/gpu";
import { oomKills } from "../lib/system/oom";
import { waitFor } from "./support/children";
import { startServer, type RunningServer } from "./support/next-server";
import { tempDir } from "./support/temp";

const run = promisify(execFile);
const bin = path.resolve("bin/process-monitor.js");
const python = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const MiB = 2 ** 20;

let dir: string;
let door: LocalProcesses;
let close: () => Promise<void>;

beforeAll(async () => {
  dir = tempDir("pm-end-record-");
  ({ processes: door, close } = await openProcesses(path.join(dir, "registry.db"), dir, { usage: true }));
});
afterAll(async () => {
  await close?.();
});

async function start(name: string, ...command: string[]): Promise<string> {
  const launched = await door.launch({ name, executable: command[0]!, args: command.slice(1), env: {}, envMode: "merge", cwd: dir });
  return launched.record.hash;
}

/** Samples every `everyMs` (as the server would) until the record ended, then settles its end. */
async function sampleUntilEnded(hash: string, everyMs = 1_000, limitMs = 30_000) {
  const sampler = await door.sampler();
  const until = Date.now() + limitMs;
  for (;;) {
    await sampler.round();
    const item = await door.get(hash);
    if (item?.view.status === "stopped" && item.record.end?.settled) return item;
    if (Date.now() > until) throw new Error(`${hash} did not end and settle within ${limitMs} ms: ${JSON.stringify(item?.view)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe("the end record of real programs", () => {
  it("keeps the peak memory, the CPU time and the usage curve of a program that held 200 MB for 6 s", async () => {
    // Two seconds of CPU (its own, not the clock's: on a busy machine two seconds of the clock
    // gave it one of CPU), then 200 MB held (written, so resident) for 4 s more.
    const hash = await start(
      "render-200mb",
      python,
      "-c",
      "import time\nwhile time.process_time() < 2: pass\nb = b'x' * (200 << 20)\ntime.sleep(4)\n",
    );
    const item = await sampleUntilEnded(hash);
    const json = toProcessJson(item.record);
    expect(json.peakMemoryBytes).toBeGreaterThanOrEqual(190 * MiB);
    expect(json.cpuSeconds).toBeGreaterThanOrEqual(1.8);
    expect(json.endReason).toEqual({ kind: "exit", text: "Exited with code 0" });
    const history = await door.history(hash);
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...history.map((p) => p.rssBytes ?? 0))).toBeGreaterThanOrEqual(190 * MiB);
    // The API's shape, for a record that ended.
    const usage = await door.usage(hash, { history: true });
    expect(usage!.history!.length).toBe(history.length);
    expect(usage!.history![0]).toMatchObject({ at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), cpuPercent: expect.any(Number) });
    expect(item.record.end?.host?.top.length).toBeGreaterThan(0);

    // The CLI's show --json says the same; a delete takes the history and the end record with it.
    const shown = JSON.parse((await run(process.execPath, [bin, "show", hash, "--json", "--db", path.join(dir, "registry.db")])).stdout);
    expect(shown).toMatchObject({ peakMemoryBytes: json.peakMemoryBytes, cpuSeconds: json.cpuSeconds, endReason: json.endReason });
    await door.remove(hash);
    expect(await door.history(hash)).toEqual([]);
    // Read apart (a second Registry on this file would share, and close, the door's connection).
    const file = new Database(path.join(dir, "registry.db"), { readonly: true });
    try {
      expect(file.prepare("SELECT count(*) AS n FROM pm_end WHERE hash = ?").get(hash)).toEqual({ n: 0 });
      expect(file.prepare("SELECT count(*) AS n FROM pm_usage WHERE hash = ?").get(hash)).toEqual({ n: 0 });
    } finally {
      file.close();
    }
  });

  it("names the licence line a program printed before it exited 1", async () => {
    const hash = await start(
      "nuke-licence",
      "/bin/sh",
      "-c",
      "echo 'Loading script…'; printf '\\033[31mFLEXnet Licensing error:-15,10. System Error: 111 \"Connection refused\"\\033[0m\\n'; echo 'Bye'; exit 1",
    );
    const { view } = await sampleUntilEnded(hash, 300);
    expect(view.endReason).toMatchObject({ kind: "pattern", pattern: "Licence failure" });
    expect(view.endReason!.line).toBe('FLEXnet Licensing error:-15,10. System Error: 111 "Connection refused"');
    expect(view.status).toBe("stopped");
  });

  it.each([
    ["the JSON itself", () => '[{"name":"Asset down","pattern":"asset server .* unreachable","flags":"i"}]'],
    [
      "a file named relative to where the CLI runs",
      () => {
        fs.writeFileSync(
          path.join(dir, "studio-patterns.json"),
          '[{"name":"Asset down","pattern":"asset server .* unreachable","flags":"i"}]',
        );
        return "studio-patterns.json";
      },
    ],
  ])("applies a studio's end patterns (%s) to a CLI launch whose end its keeper settles (issue 41)", async (_, setting) => {
    // Nothing else settles it: the CLI's keeper folds the end in (its environment emptied) and decides why.
    const db = path.join(dir, `patterns-${crypto.randomUUID()}.db`);
    const env = { ...process.env, PROCESS_MONITOR_END_PATTERNS: setting(), PROCESS_MONITOR_SAMPLE_SECONDS: "0" };
    const cli = (command: string, ...args: string[]) => run(process.execPath, [bin, command, "--db", db, ...args], { cwd: dir, env });
    const launched = await cli("launch", "--name", "asset", "--json", "--", "/bin/sh", "-c", 'echo "Asset server 1 unreachable"; exit 2');
    const hash = (JSON.parse(launched.stdout) as { hash: string }).hash;
    const shown = async () => JSON.parse((await cli("show", hash, "--json")).stdout) as { endReason: { kind: string } | null };
    // Until its keeper settles the end, a record says its code alone ("exit"): wait for the settled end, not for any reason.
    const settled = () => {
      const file = new Database(db, { readonly: true });
      try {
        return file.prepare("SELECT settled_at FROM pm_end WHERE hash = ?").pluck().get(hash);
      } finally {
        file.close();
      }
    };
    await waitFor(settled, { timeoutMs: 20_000 });
    expect((await shown()).endReason).toMatchObject({ kind: "pattern", pattern: "Asset down", line: "Asset server 1 unreachable" });
  });

  it("says stopped for a stop of ours, and signal for a SIGKILL from elsewhere with no OOM kill meanwhile", async () => {
    const ours = await start("stopped-by-us", "/bin/sleep", "600");
    await door.stop(ours);
    expect((await sampleUntilEnded(ours, 300)).view.endReason).toEqual({ kind: "stopped", text: "Stopped by user (SIGTERM)" });

    const before = oomKills();
    const theirs = await start("killed-outside", "/bin/sleep", "600");
    const pid = (await door.get(theirs))!.record.pid!;
    process.kill(pid, "SIGKILL");
    const { view } = await sampleUntilEnded(theirs, 300);
    if (oomKills() === before) expect(view.endReason).toEqual({ kind: "signal", text: "Killed by SIGKILL" });
    else expect(view.endReason?.kind).toMatch(/signal|out-of-memory/);
  });

  it("says out-of-memory for a real OOM kill in a 64 MB memory cgroup", async (context) => {
    const ours = /^\d+:memory:(.*)$/m.exec(fs.readFileSync("/proc/self/cgroup", "utf8"))?.[1];
    const parent = ours !== undefined ? path.join("/sys/fs/cgroup/memory", ours) : null;
    const cgroup = parent ? path.join(parent, `pm-oom-${process.pid}`) : null;
    try {
      if (!cgroup) throw new Error("no memory cgroup (v1) here");
      fs.mkdirSync(cgroup);
      fs.writeFileSync(path.join(cgroup, "memory.limit_in_bytes"), String(64 * MiB));
    } catch (error) {
      context.skip(`cannot make a memory cgroup to run out of: ${(error as Error).message}`);
      return;
    }
    try {
      // The wrapper moves itself into the cgroup, then becomes the program (exec): 400 MB written into 64.
      const hash = await start(
        "sim-oom",
        "/bin/sh",
        "-c",
        `echo $$ > ${cgroup}/cgroup.procs && exec ${python} -c "import time; b = b'x' * (400 << 20); time.sleep(5)"`,
      );
      const { view } = await sampleUntilEnded(hash, 300);
      expect(view.exitSignal).toBe("SIGKILL");
      expect(view.endReason).toEqual({ kind: "out-of-memory", text: "Killed by the out-of-memory killer" });
    } finally {
      for (let i = 0; i < 50 && fs.existsSync(cgroup); i += 1) {
        try {
          fs.rmdirSync(cgroup);
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  });

  it("gives a run shorter than the sampling interval its first point when first seen running and its last at its end (issue 41, 12)", async () => {
    // The sampler as a server runs it, every 5 s; a launch by the CLI, 3 s of CPU, in between.
    const home = tempDir("pm-short-run-");
    const previous = process.env.PROCESS_MONITOR_SAMPLE_SECONDS;
    process.env.PROCESS_MONITOR_SAMPLE_SECONDS = "5";
    const opened = await openProcesses(path.join(home, "registry.db"), home, { usage: true });
    if (previous === undefined) delete process.env.PROCESS_MONITOR_SAMPLE_SECONDS;
    else process.env.PROCESS_MONITOR_SAMPLE_SECONDS = previous;
    const sampler = await opened.processes.sampler();
    try {
      expect(sampler.intervalMs).toBe(5_000);
      sampler.start();
      await new Promise((r) => setTimeout(r, 300));
      const { stdout } = await run(
        process.execPath,
        [
          bin,
          "launch",
          "--db",
          path.join(home, "registry.db"),
          "--name",
          "short",
          "--",
          python,
          "-c",
          "import time\nt = time.time()\nwhile time.time() - t < 3: pass",
        ],
        { cwd: home, env: { ...process.env, HOME: home } },
      );
      const hash = stdout.trim();
      // Before: the rounds at 0 and 5 s saw it not yet and no more, and its history was empty.
      await expect.poll(async () => (await opened.processes.history(hash)).length, { timeout: 15_000, interval: 250 }).toBe(2);
      const [first, last] = await opened.processes.history(hash);
      const record = (await opened.processes.get(hash))!.record;
      expect(first!.at - record.startTime!).toBeLessThan(2);
      expect(first!.rssBytes).toBeGreaterThan(0);
      expect(last!.at).toBeCloseTo(record.endedAt!, 3);
      expect(last!.rssBytes).toBeNull();
      // Its CPU over the time since the first point, from the CPU seconds read at its end: busy all along.
      expect(last!.cpuPercent).toBeGreaterThan(40);
    } finally {
      sampler.stop();
      await opened.close();
    }
  });

  it("adds the GPU memory nvidia-smi reports for the program (a stand-in that prints recorded output)", async () => {
    const fake = path.join(dir, "fake-bin");
    fs.mkdirSync(fake, { recursive: true });
    const table = path.join(fake, "table.txt");
    fs.writeFileSync(path.join(fake, "nvidia-smi"), `#!/bin/sh\ncat '${table}'\n`, { mode: 0o755 });
    const hash = await start("maya-viewport", "/bin/sleep", "600");
    const pid = (await door.get(hash))!.record.pid!;
    fs.writeFileSync(table, NVIDIA_SMI_535.replace("PID_OF_MAYA", String(pid).padStart(9)));
    const path0 = process.env.PATH;
    process.env.PATH = `${fake}${path.delimiter}${path0}`;
    try {
      await (await door.sampler()).round();
      await new Promise((r) => setTimeout(r, 300));
      await (await door.sampler()).round();
    } finally {
      process.env.PATH = path0;
    }
    const history = await door.history(hash);
    expect(history.at(-1)!.gpuBytes).toBe(2048 * MiB);
    const usage = await door.usage(hash, { history: true });
    expect(usage!.history!.at(-1)!.gpuBytes).toBe(2048 * MiB);
    await door.stop(hash, { force: true });
  });
});

/** `nvidia-smi` 535's own output on a workstation (recorded), the DCC's row made ours. */
const NVIDIA_SMI_535 = `Tue Dec  1 10:12:44 2026
+---------------------------------------------------------------------------------------+
| NVIDIA-SMI 535.183.01             Driver Version: 535.183.01   CUDA Version: 12.2     |
|-----------------------------------------+----------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id        Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |         Memory-Usage | GPU-Util  Compute M. |
|                                         |                      |               MIG M. |
|=========================================+======================+======================|
|   0  NVIDIA RTX A5000               Off | 00000000:65:00.0  On |                  Off |
| 30%   48C    P2              72W / 230W |   3502MiB / 24564MiB |     21%      Default |
|                                         |                      |                  N/A |
+-----------------------------------------+----------------------+----------------------+

+---------------------------------------------------------------------------------------+
| Processes:                                                                            |
|  GPU   GI   CI        PID   Type   Process name                            GPU Memory |
|        ID   ID                                                             Usage      |
|=======================================================================================|
|    0   N/A  N/A      1843      G   /usr/lib/xorg/Xorg                          406MiB |
|    0   N/A  N/A      2101      G   /usr/bin/gnome-shell                         72MiB |
|    0   N/A  N/A PID_OF_MAYA    C+G   /opt/autodesk/maya2025/bin/maya.bin        2048MiB |
|    0   N/A  N/A     41234      C   python3                                     960MiB |
+---------------------------------------------------------------------------------------+
`;

describe("end patterns, nvidia-smi's table, a bounded history", () => {
  it("finds a final Python traceback, GPU and segfault lines, and a studio's own patterns first", () => {
    expect(matchEnd(["Traceback (most recent call last):", '  File "render.py", line 3, in <module>', "KeyError: 'beauty'"])).toEqual({
      pattern: PYTHON_TRACEBACK,
      line: "KeyError: 'beauty'",
    });
    // A traceback that is not the last thing printed is not the reason.
    expect(matchEnd(["Traceback (most recent call last):", "KeyError: 'x'", "retrying… done"])).toBeNull();
    expect(matchEnd(["frame 12", "CUDA error: out of memory (allocating 2.1 GB)"])).toMatchObject({ pattern: "GPU out of memory" });
    expect(matchEnd(["progress  40%\rprogress 100%", "Segmentation fault (core dumped)"])).toMatchObject({ pattern: "Segmentation fault" });
    const file = path.join(tempDir("pm-patterns-"), "patterns.json");
    fs.writeFileSync(file, JSON.stringify([{ name: "Asset server down", pattern: "asset server .* unreachable", flags: "i" }]));
    const patterns = endPatterns(file);
    expect(matchEnd(["Asset Server farm-01 UNREACHABLE", "Segmentation fault"], patterns)).toEqual({
      pattern: "Asset server down",
      line: "Asset Server farm-01 UNREACHABLE",
    });
    // A file that is not valid is said and left out: the built-in patterns still hold.
    fs.writeFileSync(file, "[{ nope");
    expect(matchEnd(["Segmentation fault"], endPatterns(`${file}`))).toMatchObject({ pattern: "Segmentation fault" });
  });

  it("skips a studio pattern that backtracks without end, said once, and still finds the next ones (issue 41)", async () => {
    const patterns = endPatterns(
      JSON.stringify([
        { name: "Catastrophic", pattern: "^(a+)+$" },
        { name: "Asset down", pattern: "asset server .* unreachable", flags: "i" },
      ]),
    );
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (message: string) => void warnings.push(message);
    try {
      // 2^40 steps in one thread; bounded here by the deadline (300 ms), not by the settler's patience.
      const started = Date.now();
      expect(await matchEndBounded([`${"a".repeat(40)}!`, "Segmentation fault"], patterns, 300)).toMatchObject({
        pattern: "Segmentation fault",
      });
      expect(await matchEndBounded([`${"a".repeat(40)}!`, "Asset server 3 unreachable"], patterns, 300)).toMatchObject({
        pattern: "Asset down",
      });
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      console.warn = warn;
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/end pattern "Catastrophic" took over 300 ms on one end; it is skipped from now on/);
    // A line of 64 KiB is tried on its first TESTED_LINE_CHARS characters.
    expect(matchEnd([`Segmentation fault ${"x".repeat(64 * 1024)}`])?.line).toHaveLength(500);
    expect(matchEnd([`${"x".repeat(TESTED_LINE_CHARS)} Segmentation fault`])).toBeNull();
  });

  it("counts a studio pattern's deadline from its first try, not from its worker's start (a busy machine's slow thread)", async () => {
    const patterns = endPatterns('[{"name":"Asset down","pattern":"asset server .* unreachable","flags":"i"}]');
    // A worker takes 20-30 ms to start here, longer on a loaded machine: a 10 ms deadline counted from
    // its making skipped this sound pattern (the keeper's end said "exit" on a busy CI).
    for (let i = 0; i < 3; i += 1)
      expect(await matchEndBounded(["Asset server 1 unreachable"], patterns, 10)).toMatchObject({ pattern: "Asset down" });
  });

  it("reads compute and graphics processes from nvidia-smi's table, old and new", () => {
    const byPid = parseNvidiaSmi(NVIDIA_SMI_535.replace("PID_OF_MAYA", "    51234"));
    expect(Object.fromEntries(byPid)).toEqual({ 1843: 406 * MiB, 2101: 72 * MiB, 51234: 2048 * MiB, 41234: 960 * MiB });
    const older = `| Processes:                                                       GPU Memory |\n|  GPU       PID   Type   Process name                             Usage      |\n|=============================================================================|\n|    0      1234      G   /usr/lib/xorg/Xorg                            45MiB |\n|    0      5678      C   ...ython3.9/bin/python3 (render)             N/A  |\n`;
    expect(Object.fromEntries(parseNvidiaSmi(older))).toEqual({ 1234: 45 * MiB });
    expect(parseNvidiaSmi("No devices were found").size).toBe(0);
  });

  it("keeps a ten-hour run within MAX_POINTS: the last half hour as sampled, the peak never smoothed away (simulated clock)", async () => {
    const registry = await Registry.open(path.join(tempDir("pm-history-"), "registry.db"), { driver: "direct" });
    try {
      const hash = "f".repeat(64);
      const start = 1_800_000_000;
      let fed = 0;
      for (let round = 0; round < (10 * 3600) / 5; round += 1) {
        const at = start + round * 5;
        const rss = round === 1000 ? 9_000 * MiB : 1_000 * MiB;
        await registry.addSamples([
          {
            hash,
            point: { at, span: 5, cpuPercent: round % 2 ? 100 : 0, rssBytes: rss, gpuBytes: null },
            hwmBytes: null,
            cpuSeconds: round * 2.5,
            oomKills: null,
            cgroup: null,
            cgroupOomKills: null,
          },
        ]);
        fed += 1;
      }
      const history = await registry.history(hash);
      expect(fed).toBe(7200);
      expect(history.length).toBeLessThanOrEqual(MAX_POINTS);
      expect(history[0]!.at).toBe(start);
      // The newest points are as sampled, 5 s apart; the oldest cover far more.
      const newest = history.slice(-100);
      expect(newest.every((p, i) => i === 0 || p.at - newest[i - 1]!.at === 5)).toBe(true);
      expect(history[0]!.span).toBeGreaterThan(60);
      expect(Math.max(...history.map((p) => p.rssBytes!))).toBe(9_000 * MiB);
      // Merged CPU is the average over time: 50% here.
      expect(history[0]!.cpuPercent).toBeCloseTo(50, 1);
      expect((await registry.ends([hash])).get(hash)).toMatchObject({ peakMemoryBytes: 9_000 * MiB, cpuSeconds: 7199 * 2.5 });
    } finally {
      await registry.close();
    }
  });

  it("merges pairwise and never loops on a tiny bound", () => {
    const points: UsagePoint[] = Array.from({ length: 10 }, (_, i) => ({ at: i, span: 1, cpuPercent: i, rssBytes: i, gpuBytes: null }));
    expect(compact(points, 10)).toBe(points);
    expect(compact(points, 8).length).toBeLessThanOrEqual(8);
    expect(compact(points, 1)).toHaveLength(1);
    expect(compact(points, 1)[0]).toMatchObject({ at: 0, span: 10, rssBytes: 9, cpuPercent: 4.5 });
  });
});

describe("an ended record's page and API on a real server", () => {
  let server: RunningServer;
  let home: string;
  beforeAll(async () => {
    home = tempDir("pm-end-record-server-");
    server = await startServer({ PROCESS_MONITOR_DB: path.join(home, "registry.db"), PROCESS_MONITOR_SAMPLE_SECONDS: "1" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("shows the whole run's chart, the peak, the CPU time and why it ended once the process is gone", async () => {
    const { stdout } = await run(process.execPath, [
      bin,
      "launch",
      "--quiet",
      "--db",
      path.join(home, "registry.db"),
      "--name",
      "sim-licence",
      "--",
      python,
      "-c",
      "import time, sys\nb = b'x' * (120 << 20)\ntime.sleep(3)\nprint('Unable to obtain a license for houdini-fx', flush=True)\nsys.exit(3)\n",
    ]);
    const hash = stdout.trim();
    const record = await waitFor(
      async () => {
        const json = (await (await server.api(`/api/processes/${hash}`)).json()) as Record<string, unknown> & {
          endReason: { kind: string } | null;
        };
        return json.endReason?.kind === "pattern" ? json : null;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(record.peakMemoryBytes as number).toBeGreaterThanOrEqual(115 * MiB);
    expect(record.endReason).toMatchObject({ pattern: "Licence failure", line: "Unable to obtain a license for houdini-fx" });
    const usage = (await (await server.api(`/api/processes/${hash}/usage?history=1`)).json()) as { history: unknown[] };
    expect(usage.history.length).toBeGreaterThanOrEqual(2);
    const page = await (await server.api(`/processes/${hash}`)).text();
    expect(page).toContain("Peak memory");
    expect(page).toContain("Unable to obtain a license for houdini-fx");
    expect(page).toContain('data-testid="usage-chart"');
    expect(page).toContain("The host when it ended");
    // The list's status names the pattern.
    const list = await (await server.api(`/?status=failed`)).text();
    expect(list).toContain("Licence failure");
  });

  it("previews the last lines as the viewer renders them: colours kept, a progress bar as its last state", async () => {
    const { stdout } = await run(process.execPath, [
      bin,
      "launch",
      "--quiet",
      "--wait",
      "--db",
      path.join(home, "registry.db"),
      "--name",
      "progress",
      "--",
      "/bin/sh",
      "-c",
      "printf 'progress   0%%\\rprogress  50%%\\rprogress 100%%\\n\\033[31mred alert\\033[0m\\n'",
    ]);
    const page = await (await server.api(`/processes/${stdout.trim()}`)).text();
    const preview = /data-testid="output-tail"[^>]*>([\s\S]*?)<\/pre>/.exec(page)?.[1] ?? "";
    expect(preview).toContain("progress 100%");
    expect(preview).not.toContain("progress   0%");
    expect(preview).toMatch(/<span style="color:rgb\(\d+, ?\d+, ?\d+\)">red alert<\/span>/);
    expect(preview).not.toContain("[31m");
  });

  it("links a relaunch to the record it repeated, both ways", async () => {
    const db = path.join(home, "registry.db");
    const origin = (
      await run(process.execPath, [bin, "launch", "--quiet", "--wait", "--db", db, "--name", "comp-v3", "--", "/bin/true"])
    ).stdout.trim();
    const opened = await openProcesses(db, home);
    let again: string;
    try {
      again = (await opened.processes.relaunch(origin)).record.hash;
    } finally {
      await opened.close();
    }
    const newer = await (await server.api(`/processes/${again}`)).text();
    expect(newer).toMatch(new RegExp(`Relaunch of.*href="/processes/${origin}"`));
    const older = await (await server.api(`/processes/${origin}`)).text();
    expect(older).toMatch(new RegExp(`Relaunched as.*href="/processes/${again}"`));
  });
});
