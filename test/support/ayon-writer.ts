// Writes like the AYON launcher: a plain better-sqlite3 connection doing AYON's
// INSERT OR REPLACE (no created_at, none of our columns). Prints a JSON summary.
import Database from "better-sqlite3";
import { processHash } from "../../lib/registry/hash";

const [dbPath, countText] = process.argv.slice(2);
const count = Number(countText);
const db = new Database(dbPath!, { timeout: 15_000 });
const insert = db.prepare(
  "INSERT OR REPLACE INTO process_info (hash, name, executable, args, env, cwd, pid, output_file, start_time, stopped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
);
let written = 0;
const failures: string[] = [];
for (let i = 0; i < count; i++) {
  const name = `ayon-${i}`;
  const pid = 6_000_000 + i;
  const start = 1_732_406_400 + i + 0.5;
  try {
    insert.run(
      processHash({ name, pid, executable: "/opt/maya/bin/maya", startTime: start }),
      name,
      "/opt/maya/bin/maya",
      "[]",
      "{}",
      "/tmp",
      pid,
      null,
      start,
      0,
    );
    written++;
  } catch (error) {
    failures.push(String((error as Error).message));
  }
}
db.close();
process.stdout.write(JSON.stringify({ written, failures }));
