import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./next-server";

export interface RunningPostgres {
  url: string;
  stop: () => Promise<void>;
}

/** Debian's PostgreSQL binaries (`apt-get install postgresql`), newest version first; null when absent. */
export function postgresBin(): string | null {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], "bin") : null;
}

/**
 * A real PostgreSQL server in a temp folder on a free loopback port, stopped by `stop()`.
 * PostgreSQL refuses to run as root (CI runs as root): then it runs as `nobody`.
 */
export async function startPostgres(): Promise<RunningPostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error("PostgreSQL is not installed: apt-get install -y postgresql (.ci/run does this).");
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-pg-"));
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, "data");
  fs.mkdirSync(data, { mode: 0o700 });
  if (asRoot) execFileSync("chown", ["-R", "nobody", dir]);
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ["runuser", ["-u", "nobody", "--", cmd, ...args]] : [cmd, args];
    const result = spawnSync(file, argv as string[], { cwd: dir, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${path.basename(cmd)} failed (${result.status}): ${result.stderr || result.stdout}`);
    return result.stdout;
  };
  run(path.join(bin, "initdb"), ["-D", data, "-U", "pm", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  run(path.join(bin, "pg_ctl"), ["-D", data, "-o", options, "-l", path.join(dir, "log"), "-w", "-t", "60", "start"]);
  run(path.join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "pm", "fleet"]);
  return {
    url: `postgresql://pm@127.0.0.1:${port}/fleet`,
    stop: async () => {
      try {
        run(path.join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
