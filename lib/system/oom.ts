// The kernel's out-of-memory kills, counted: the machine's (/proc/vmstat `oom_kill`) and a
// memory cgroup's (v1 `memory.oom_control`, v2 `memory.events`). A SIGKILL we did not send while
// one of them moved is the OOM killer's (SPEC "The end record"). Linux only; null elsewhere.
import fs from "node:fs";
import path from "node:path";

function counter(file: string, key: string): number | null {
  try {
    const match = new RegExp(`^${key}\\s+(\\d+)`, "m").exec(fs.readFileSync(file, "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** The machine's count of OOM kills since boot. */
export function oomKills(): number | null {
  return counter("/proc/vmstat", "oom_kill");
}

/** The memory cgroup folder of a pid (v1's memory controller, else v2's unified one), or null. */
export function memoryCgroupOf(pid: number): string | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8");
  } catch {
    return null;
  }
  for (const line of text.split("\n")) {
    // hierarchy-id:controllers:path
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    if (
      line
        .slice(first + 1, second)
        .split(",")
        .includes("memory")
    )
      return path.join("/sys/fs/cgroup/memory", line.slice(second + 1));
  }
  const unified = /^0::(.*)$/m.exec(text)?.[1];
  return unified !== undefined && fs.existsSync("/sys/fs/cgroup/cgroup.controllers") ? path.join("/sys/fs/cgroup", unified) : null;
}

/** A memory cgroup's count of OOM kills, or null when it has none to say (gone, or the root). */
export function cgroupOomKills(folder: string): number | null {
  return counter(path.join(folder, "memory.oom_control"), "oom_kill") ?? counter(path.join(folder, "memory.events"), "oom_kill");
}
