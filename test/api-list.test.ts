// GET /api/processes's adapter in-process (the route only parses and responds): a stopped
// record's JSON is made once and sent again while the registry lists it unchanged, and made
// anew when its end is settled, for another role, or with ?full=1 (issue 36).
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL } from "../lib/processes/query";
import { tempDir } from "./support/temp";

let dir: string;
let db: string;
let api: typeof import("../lib/api/processes");
let door: ReturnType<typeof import("../lib/processes/server").processes>;

const ENDED = 120;
const hashOf = (i: number) => `${i.toString(16).padStart(6, "0")}${"e".repeat(58)}`;

beforeAll(async () => {
  dir = tempDir("pm-api-list-");
  db = path.join(dir, "registry.db");
  process.env.PROCESS_MONITOR_DB = db;
  // The server's own door on this file: the adapter's and the settling's are one registry.
  door = (await import("../lib/processes/server")).processes();
  await door.list();
  const output = path.join(dir, "licence.out");
  fs.writeFileSync(output, "Loading…\nFLEXnet Licensing error:-15,10. System Error: 111\n");
  const raw = new Database(db);
  const insert = raw.prepare(
    `INSERT INTO process_info (hash, name, executable, args, env, cwd, pid, output_file, start_time, stopped, exit_code, ended_at)
     VALUES (?, ?, '/bin/x', '["-file","/shots/a.ma"]', '{"SHOT":"sh010","TOKEN":"s3cret"}', '/tmp', ?, ?, ?, 1, ?, ?)`,
  );
  // The newest (inserted last, listed first) printed a licence line and ended unsettled: its reason is its code until settled.
  const last = ENDED - 1;
  raw.transaction(() => {
    for (let i = 0; i < ENDED; i += 1)
      insert.run(
        hashOf(i),
        `ended-${i}`,
        4_000_000 + i,
        i === last ? output : null,
        1_764_000_000 + i,
        i % 3 === 0 || i === last ? 1 : 0,
        1_764_000_100 + i,
      );
  })();
  raw.prepare("INSERT INTO pm_end (hash, updated_at) VALUES (?, ?)").run(hashOf(last), Date.now() / 1000);
  raw.close();
  api = await import("../lib/api/processes");
});

afterAll(async () => {
  delete process.env.PROCESS_MONITOR_DB;
  fs.rmSync(dir, { recursive: true, force: true });
});

const page = { ...ALL, limit: 100, offset: 0 };
async function listed(role: "operator" | "viewer" = "operator", full = false) {
  const before = api.listWork.serialised;
  const body = JSON.parse((await api.listProcesses(page, role, { full })).text) as {
    total: number;
    limit: number;
    offset: number;
    processes: Array<{
      hash: string;
      env: Record<string, string>;
      envHidden?: boolean;
      endReason: { kind: string; pattern?: string } | null;
    }>;
  };
  return { body, serialised: api.listWork.serialised - before };
}

describe("GET /api/processes's page (issue 36)", () => {
  it("serialises a stopped record once while it is unchanged, and again when its end is settled, for a viewer, or in full", async () => {
    const first = await listed();
    expect(first.body).toMatchObject({ total: ENDED, limit: 100, offset: 0 });
    expect(first.body.processes).toHaveLength(100);
    expect(first.serialised).toBe(100);
    const newest = first.body.processes[0]!;
    expect(newest.endReason).toMatchObject({ kind: "exit" });
    expect(newest.env).toEqual({ SHOT: "sh010", TOKEN: "s3cret" });

    const again = await listed();
    expect(again.serialised).toBe(0);
    expect(again.body).toEqual(first.body);

    // Its end settled through the same registry: the rows are the same objects, one end is new.
    expect(await door.settleEnds()).toBe(1);
    const settled = await listed();
    expect(settled.serialised).toBe(1);
    expect(settled.body.processes[0]!.endReason).toMatchObject({ kind: "pattern", pattern: "Licence failure" });
    expect(settled.body.processes.slice(1)).toEqual(first.body.processes.slice(1));

    // A viewer never gets a value an operator's answer held, nor the reverse.
    const viewer = await listed("viewer");
    expect(viewer.serialised).toBe(100);
    expect(viewer.body.processes.every((p) => p.envHidden === true && p.env.TOKEN === "")).toBe(true);
    const operator = await listed();
    expect(operator.body.processes[0]!.env.TOKEN).toBe("s3cret");
    expect(operator.body.processes.some((p) => p.envHidden)).toBe(false);
    expect((await listed("operator", true)).serialised).toBe(100);
  });
});
