import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ProcessSnapshot } from "../lib/system/snapshot";
import {
  checkLiveness,
  descendantsOf,
  identifyProcess,
  executablePathOfPid,
  flattenDescendants,
  isRunning,
  startTimeOfPid,
} from "../lib/system/probe";
import { ayon } from "./support/python";
import { startChild, waitFor } from "./support/children";
import { tempDir } from "./support/temp";

const sleepPath = fs.realpathSync("/bin/sleep");

async function liveChild(command = "/bin/sleep", args = ["30"]) {
  const child = startChild(command, args);
  const startTime = await waitFor(() => startTimeOfPid(child.pid!));
  return { child, pid: child.pid!, startTime };
}

describe("system probe", () => {
  it("reads start times that agree with psutil to the hundredth of a second", async () => {
    const { pid, startTime } = await liveChild();
    const psutil = Number(ayon(["start-time", String(pid)]));
    expect(Math.abs(startTime - psutil)).toBeLessThan(0.01);
    expect(executablePathOfPid(pid)).toBe(sleepPath);
    expect(startTimeOfPid(999_999_999)).toBeNull();
    expect(executablePathOfPid(999_999_999)).toBeNull();
  });

  it("sees a real child as running, with the same verdict as AYON's check", async () => {
    const { pid, startTime } = await liveChild();
    expect(await isRunning(pid, "/bin/sleep", startTime)).toBe("running");
    expect(await isRunning(pid, "/bin/sleep", null)).toBe("running");
    expect(await isRunning(pid, "", startTime)).toBe("running");
    expect(ayon(["running", String(pid), "/bin/sleep", String(startTime)])).toBe("true");
  });

  it("declares a dead pid gone", async () => {
    const child = spawn("/bin/true");
    await new Promise((r) => child.once("exit", r));
    expect(await isRunning(child.pid!, "/bin/true", null)).toBe("gone");
  });

  it("guards against PID reuse: same pid, different start time", async () => {
    const { pid, startTime } = await liveChild();
    expect(await isRunning(pid, "/bin/sleep", startTime - 3600)).toBe("gone");
    expect(await isRunning(pid, "/bin/sleep", startTime + 1.5)).toBe("gone");
    expect(await isRunning(pid, "/bin/sleep", startTime + 0.9)).toBe("running");
  });

  it("keeps a process that runs another executable than recorded (it exec'd) running, by pid and start time", async () => {
    const { pid, startTime } = await liveChild();
    const recorded = "/usr/autodesk/maya2025/bin/maya";
    expect(await isRunning(pid, recorded, startTime)).toBe("running");
    expect(identifyProcess(await ProcessSnapshot.take(), pid, recorded, startTime)).toEqual({
      liveness: "running",
      currentExecutable: sleepPath,
    });
    // A matching executable says nothing more.
    expect(identifyProcess(await ProcessSnapshot.take(), pid, "/bin/sleep", startTime).currentExecutable).toBeNull();
    // AYON's stricter check says stopped; we do not write its rows differently for that.
    expect(ayon(["running", String(pid), recorded, String(startTime)])).toBe("false");
    // Without a recorded start time nothing but the executable tells a reused pid apart.
    expect(await isRunning(pid, recorded, null)).toBe("gone");
    // Another creation time is another process, whatever it runs.
    expect(await isRunning(pid, recorded, startTime - 5)).toBe("gone");
  });

  it("declares a zombie gone", async () => {
    // `sleep 0.1 &` becomes a child of `sleep 30` after exec; nobody reaps it.
    const parent = spawn("/bin/sh", ["-c", "sleep 0.1 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    const zombiePid = Number(await new Promise<string>((resolve) => parent.stdout!.once("data", (d) => resolve(String(d)))));
    await waitFor(() => fs.readFileSync(`/proc/${zombiePid}/stat`, "utf8").includes(") Z "));
    expect(await isRunning(zombiePid, "/bin/sleep", null)).toBe("gone");
    expect(startTimeOfPid(zombiePid)).toBeNull();
    parent.kill("SIGKILL");
  });

  it("recognises a symlinked executable and a script run through its shebang", async () => {
    const dir = tempDir();
    const link = path.join(dir, "my-sleep");
    fs.symlinkSync("/bin/sleep", link);
    const viaLink = await liveChild(link);
    expect(await isRunning(viaLink.pid, link, viaLink.startTime)).toBe("running");

    const script = path.join(dir, "render.sh");
    fs.writeFileSync(script, "#!/bin/sh\nsleep 30\n", { mode: 0o755 });
    const viaShebang = await liveChild(script, []);
    expect(await isRunning(viaShebang.pid, script, viaShebang.startTime)).toBe("running");
  });

  it("reports a process whose executable cannot be read as running, unverified", async () => {
    if (process.getuid?.() !== 0) return expect(process.getuid?.()).not.toBe(0);
    // Neither its name nor argv[0] names the recorded executable, so only /proc/<pid>/exe
    // could confirm it: readable for root (another program than recorded, yet the same
    // process: running), denied for nobody.
    const child = startChild("/bin/sleep", ["30"], { argv0: "renamed" });
    const pid = child.pid!;
    const startTime = await waitFor(() => startTimeOfPid(pid));
    const recorded = "/opt/tools/sleep-wrapper";
    const tsx = path.resolve("node_modules/tsx/dist/cli.mjs");
    const asNobody = (start: number) =>
      execFileSync(process.execPath, [tsx, "test/support/liveness-cli.ts", String(pid), recorded, String(start)], {
        uid: 65534,
        gid: 65534,
        encoding: "utf8",
        env: { ...process.env, HOME: "/tmp" },
      });
    expect(await isRunning(pid, recorded, startTime)).toBe("running");
    expect(asNobody(startTime)).toBe("unverified");
    // A start time that does not match is still gone, readable or not.
    expect(asNobody(startTime - 100)).toBe("gone");
  });

  it("lists descendants recursively, with executable, args, cwd and start time", async () => {
    const dir = tempDir();
    const { pid } = await liveChild("/bin/sh", ["-c", `cd ${dir} && sh -c 'sleep 31 & sleep 32; wait' & wait`]);
    const snapshot = await waitFor(async () => {
      const s = await ProcessSnapshot.take();
      // Both exec'd and their command lines readable (a child caught mid-exec reads as no args).
      return flattenDescendants(descendantsOf(s, pid)).filter((d) => d.name === "sleep" && d.args.length > 0).length === 2 ? s : null;
    });
    const tree = descendantsOf(snapshot, pid);
    expect(tree).toHaveLength(1);
    const sleeps = flattenDescendants(tree).filter((d) => d.name === "sleep");
    expect(sleeps.map((s) => s.args).sort()).toEqual([
      ["sleep", "31"],
      ["sleep", "32"],
    ]);
    for (const s of sleeps) {
      expect(s.executable).toBe(sleepPath);
      expect(s.cwd).toBe(fs.realpathSync(dir));
      expect(s.startTime).toBeGreaterThan(1e9);
    }
    expect(checkLiveness(snapshot, sleeps[0]!.pid, "sleep", sleeps[0]!.startTime)).toBe("running");
  });

  it("reads the same table from /proc as through ps-list (the path for systems without /proc)", async () => {
    const { pid, startTime } = await liveChild("/bin/sh", ["-c", "sleep 33 & exec sleep 34"]);
    const [fromProc, fromPs] = await waitFor(async () => {
      const tables = [ProcessSnapshot.fromProc(), await ProcessSnapshot.fromPs()] as const;
      // Settled: the background child has exec'd sleep too (a forked `sh` is seen for a moment first).
      const settled = (t: ProcessSnapshot) => t.childrenOf(pid).length === 1 && t.childrenOf(pid).every((c) => c.name === "sleep");
      return tables.every(settled) ? tables : null;
    });
    for (const table of [fromProc, fromPs]) {
      const entry = table.get(pid)!;
      expect(entry.ppid).toBe(process.pid);
      // ps truncates start times to the second.
      expect(Math.abs(entry.psStartTime! - startTime)).toBeLessThan(1.01);
      expect(table.childrenOf(pid).map((c) => c.name)).toEqual(["sleep"]);
      expect(identifyProcess(table, pid, "/bin/sh", startTime)).toEqual({ liveness: "running", currentExecutable: sleepPath });
      expect(checkLiveness(table, pid, "/bin/sh", startTime - 10)).toBe("gone");
    }
    // Our own process is in both, with the same parent.
    expect(fromProc.get(process.pid)?.ppid).toBe(fromPs.get(process.pid)?.ppid);
    // A partial table reads only the pids asked for, and only those that exist.
    const partial = await ProcessSnapshot.ofPids([pid, 999_999_999]);
    expect(partial.size).toBe(1);
    expect(partial.has(pid)).toBe(true);
  });
});
