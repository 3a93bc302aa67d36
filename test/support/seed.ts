// A registry with a dozen mixed records, as a team lead would find it: running, exited
// cleanly, failed, killed, orphaned children, an AYON-written row and a malformed one.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { launch, type Launched } from "../../lib/launcher";
import { Registry } from "../../lib/registry";
import { processHash } from "../../lib/registry/hash";

export interface Seeded {
  launched: Launched[];
  pids: number[];
}

export async function seedMixedRegistry(dbPath: string, dir: string): Promise<Seeded> {
  const registry = await Registry.open(dbPath);
  const launched: Launched[] = [];
  const start = async (name: string, executable: string, args: string[], env: Record<string, string> = {}) => {
    const l = await launch(registry, { name, executable, args, env, cwd: dir });
    launched.push(l);
    return l;
  };
  const wait = (l: Launched) => l.exited;

  await wait(await start("publish", "/bin/sh", ["-c", "echo published shot010; exit 0"]));
  await wait(await start("render-sh020", "/bin/sh", ["-c", "echo 'frame 1'; echo 'ERROR: license not found' >&2; exit 3"]));
  await wait(await start("nuke-crash", "/bin/sh", ["-c", "kill -KILL $$"]));
  await start("maya", "/bin/sleep", ["600"], { MAYA_APP_DIR: "/home/artist/maya", AYON_API_KEY: "k3y-s3cr3t", SHOT: "sh010" });
  await start("houdini", "/bin/sh", ["-c", "sleep 600 & sleep 601 & wait"], { HOUDINI_PATH: "/opt/hfs/houdini;&", PASSWORD: "hunter2" });
  await start("watcher-with-children", "/bin/sh", ["-c", "sleep 600 & exit 0"]);
  const longDir = path.join(dir, "very", "long", "path", "to", "the", "studio", "pipeline", "tools", "2025", "bin");
  fs.mkdirSync(longDir, { recursive: true });
  const longExe = path.join(longDir, "render_farm_submitter_with_a_long_name");
  fs.writeFileSync(longExe, '#!/bin/sh\necho submitting "$@"\nsleep 600\n', { mode: 0o755 });
  await start("submitter", longExe, ["--project", "feature_film", "--shot", "sq010_sh0040"]);
  await start("blender", "/bin/sleep", ["600"]);
  await registry.close();

  // Rows written by others: the AYON launcher (no exit columns used) and a broken one.
  const db = new Database(dbPath);
  const ayonHash = processHash({ name: "nuke", pid: 4_000_001, executable: "/opt/Nuke15.1v3/Nuke15.1", startTime: 1732406400.5 });
  db.prepare(
    "INSERT OR REPLACE INTO process_info (hash, name, executable, args, env, cwd, pid, output_file, start_time, stopped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  ).run(
    ayonHash,
    "nuke",
    "/opt/Nuke15.1v3/Nuke15.1",
    '["--nukex"]',
    '{"NUKE_PATH":"/studio/nuke"}',
    "/projects",
    4_000_001,
    null,
    1732406400.5,
    0,
  );
  db.prepare(
    "INSERT INTO process_info (hash, name, executable, args, env, pid) VALUES (?, 'broken-row', '/usr/bin/x', '{oops', 'null', 4000002)",
  ).run("b".repeat(64));
  db.close();
  return { launched, pids: launched.map((l) => l.record.pid!) };
}
