import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { Registry, RegistryError, processHash } from "../lib/registry";
import { startTimeOfPid } from "../lib/system/probe";
import { ayon } from "./support/python";
import { startChild, waitFor } from "./support/children";
import { tempDbPath } from "./support/temp";

// AYON's CREATE TABLE statements, verbatim in shape: the older one has no `stopped`.
const AYON_OLD_TABLE = `CREATE TABLE IF NOT EXISTS process_info (hash TEXT PRIMARY KEY, name TEXT, executable TEXT, args TEXT DEFAULT NULL, env TEXT DEFAULT NULL, cwd TEXT DEFAULT NULL, pid INTEGER DEFAULT NULL, output_file TEXT DEFAULT NULL, start_time REAL DEFAULT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`;
const AYON_NEW_TABLE = AYON_OLD_TABLE.replace(
  "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)",
  "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, stopped INTEGER DEFAULT 0)",
);

const opened: Registry[] = [];
afterEach(async () => {
  while (opened.length) await opened.pop()!.close();
});

async function open(dbPath = tempDbPath()): Promise<Registry> {
  const registry = await Registry.open(dbPath);
  opened.push(registry);
  return registry;
}

function columns(dbPath: string): string[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare("PRAGMA table_info(process_info)").all() as Array<{ name: string }>).map((c) => c.name);
  } finally {
    db.close();
  }
}

function rawRows(dbPath: string, cols: string): unknown[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(`SELECT ${cols} FROM process_info ORDER BY rowid`).raw().all();
  } finally {
    db.close();
  }
}

function makeAyonFile(dbPath: string, createSql: string, withStopped: boolean): void {
  const db = new Database(dbPath);
  db.exec(createSql);
  const insert = db.prepare(
    withStopped
      ? "INSERT OR REPLACE INTO process_info (hash, name, executable, args, env, cwd, pid, output_file, start_time, stopped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
      : "INSERT OR REPLACE INTO process_info (hash, name, executable, args, env, cwd, pid, output_file, start_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const rows: unknown[][] = [
    ["maya", 1234, "/usr/autodesk/maya2025/bin/maya", 1732406400.12, '["-file","/proj/shot.ma"]', '{"MAYA_APP_DIR":"/home/a/maya"}'],
    ["nuke", 4321, "/opt/Nuke15.1v3/Nuke15.1", 1732406500.5, "[]", "{}"],
  ].map(([name, pid, exe, start, args, env]) => {
    const hash = processHash({ name: name as string, pid: pid as number, executable: exe as string, startTime: start as number });
    const values = [hash, name, exe, args, env, "/proj", pid, `/tmp/${name}.log`, start];
    return withStopped ? [...values, 1] : values;
  });
  for (const row of rows) insert.run(...row);
  db.close();
}

/** Our columns after AYON's ten, in the order the file must have them (written out: the file format, pinned). */
const OUR_COLUMNS = ["stopped", "exit_code", "exit_signal", "ended_at", "keeper_pid", "stop_signal", "launched_by"];

describe("opening a registry", () => {
  it("creates a new file with AYON's columns first, ours after, in WAL mode", async () => {
    const dbPath = tempDbPath();
    await open(dbPath);
    expect(columns(dbPath)).toEqual([
      "hash",
      "name",
      "executable",
      "args",
      "env",
      "cwd",
      "pid",
      "output_file",
      "start_time",
      "created_at",
      ...OUR_COLUMNS,
    ]);
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it.each([
    ["without stopped (older AYON)", AYON_OLD_TABLE, false],
    ["with stopped (newer AYON)", AYON_NEW_TABLE, true],
  ])("upgrades an AYON file %s in place, keeping rows byte for byte", async (_label, createSql, withStopped) => {
    const dbPath = tempDbPath();
    makeAyonFile(dbPath, createSql, withStopped);
    const ayonCols = "hash, name, executable, args, env, cwd, pid, output_file, start_time, created_at";
    const before = rawRows(dbPath, `${ayonCols}, typeof(created_at), typeof(start_time)`);

    const registry = await open(dbPath);
    expect(columns(dbPath).slice(10)).toEqual(OUR_COLUMNS);
    expect(rawRows(dbPath, `${ayonCols}, typeof(created_at), typeof(start_time)`)).toEqual(before);

    const records = await registry.list({ invalidate: false });
    expect(records.map((r) => r.name).sort()).toEqual(["maya", "nuke"]);
    const maya = records.find((r) => r.name === "maya")!;
    expect(maya.args).toEqual(["-file", "/proj/shot.ma"]);
    expect(maya.env).toEqual({ MAYA_APP_DIR: "/home/a/maya" });
    expect(maya.hash).toBe("d4444616d58a77a1309bb44b36d6b7fcee9cd2c69addab56b7fe3a98cc802396");

    // Opening again changes nothing further.
    await registry.close();
    opened.pop();
    await open(dbPath);
    expect(rawRows(dbPath, `${ayonCols}, typeof(created_at), typeof(start_time)`)).toEqual(before);
  });

  it("refuses a file that is not SQLite and leaves it untouched", async () => {
    const dbPath = tempDbPath();
    fs.writeFileSync(dbPath, "this is a text file, not a database\n".repeat(200));
    const before = fs.readFileSync(dbPath);
    const error = await Registry.open(dbPath).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe("NOT_A_REGISTRY");
    expect((error as Error).message).toMatch(/not an SQLite database/);
    expect(fs.readFileSync(dbPath).equals(before)).toBe(true);
    expect(fs.existsSync(`${dbPath}-wal`)).toBe(false);
  });

  it("refuses an SQLite file of another application and a newer schema of ours", async () => {
    const other = tempDbPath();
    const db = new Database(other);
    db.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
    db.close();
    const before = fs.readFileSync(other);
    await expect(Registry.open(other)).rejects.toThrow(/without a process_info table/);
    expect(fs.readFileSync(other).equals(before)).toBe(true);

    const newer = tempDbPath();
    await (await Registry.open(newer)).close();
    const db2 = new Database(newer);
    db2.pragma("user_version = 99");
    db2.close();
    await expect(Registry.open(newer)).rejects.toThrow(/newer Process Monitor \(schema 99/);
  });

  it("refuses a process_info table of another shape", async () => {
    const dbPath = tempDbPath();
    const db = new Database(dbPath);
    db.exec("CREATE TABLE process_info (id INTEGER PRIMARY KEY, label TEXT)");
    db.close();
    await expect(Registry.open(dbPath)).rejects.toThrow(/unexpected columns/);
    expect(columns(dbPath)).toEqual(["id", "label"]);
  });
});

describe("records", () => {
  it("store refuses a record without a pid and writes nothing", async () => {
    const registry = await open();
    const error = await registry.store({ name: "nuke", executable: "/opt/nuke", pid: null }).catch((e: unknown) => e);
    expect((error as RegistryError).code).toBe("MISSING_PID");
    expect(await registry.count()).toBe(0);
  });

  it("a listing makes new objects only for the records it checks; an end settled since, or another program's write, shows (issue 36)", async () => {
    const dbPath = tempDbPath();
    const registry = await open(dbPath);
    for (let i = 0; i < 600; i++) await registry.store({ name: `old${i}`, executable: "/bin/false", pid: 3_000_000 + i });
    const me = await registry.store({ name: "me", executable: process.execPath, pid: process.pid, startTime: startTimeOfPid(process.pid) });
    const first = await registry.list(); // finds the 600 gone and marks them
    expect(first.filter((r) => r.status === "stopped")).toHaveLength(600);
    const second = await registry.list();
    const third = await registry.list();
    const byHash = (list: typeof second) => new Map(list.map((r) => [r.hash, r]));
    const [b, c] = [byHash(second), byHash(third)];
    const stopped = second.filter((r) => r.status === "stopped");
    expect(stopped).toHaveLength(600);
    // The same object for every stopped record (nothing copied per listing); the live one is checked anew.
    expect(stopped.every((r) => c.get(r.hash) === r)).toBe(true);
    expect(c.get(me.hash)).not.toBe(b.get(me.hash));
    expect(c.get(me.hash)?.status).toBe("running");

    // Our own end write: the next listing has it.
    const ended = stopped[0]!;
    expect(ended.end).toBeUndefined();
    await registry.beginEnd(ended.hash, null);
    await registry.settleEnd(ended.hash, { kind: "exit", text: "Exited" }, null);
    expect((await registry.list()).find((r) => r.hash === ended.hash)?.end?.settled).toBe(true);
    // Another program's write: every row is read again.
    const raw = new Database(dbPath);
    raw.prepare("UPDATE process_info SET name = 'renamed' WHERE hash = ?").run(stopped[1]!.hash);
    raw.prepare("DELETE FROM pm_end WHERE hash = ?").run(ended.hash);
    raw.close();
    const after = byHash(await registry.list());
    expect(after.get(stopped[1]!.hash)?.name).toBe("renamed");
    expect(after.get(ended.hash)?.end).toBeUndefined();
  });

  it("store recomputes the hash; get by hash, name, pid and current process", async () => {
    const registry = await open();
    const stored = await registry.store({
      name: "maya",
      executable: "/usr/autodesk/maya2025/bin/maya",
      pid: 1234,
      startTime: 1732406400.12,
      args: ["-batch"],
      env: { A: "1" },
      cwd: "/proj",
    });
    expect(stored.hash).toBe("d4444616d58a77a1309bb44b36d6b7fcee9cd2c69addab56b7fe3a98cc802396");
    expect(stored.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect((await registry.get(stored.hash))?.args).toEqual(["-batch"]);
    expect((await registry.getByName("maya"))?.hash).toBe(stored.hash);
    expect((await registry.getByPid(1234))?.hash).toBe(stored.hash);
    expect(await registry.get("0".repeat(64))).toBeNull();
    expect(await registry.getCurrent()).toBeNull();

    const me = await registry.store({ name: "me", executable: process.execPath, pid: process.pid, startTime: startTimeOfPid(process.pid) });
    expect((await registry.getCurrent())?.hash).toBe(me.hash);
  });

  it("writes rows AYON's positional reader understands (args/env never NULL, created_at as SQLite text)", async () => {
    const dbPath = tempDbPath();
    const registry = await open(dbPath);
    await registry.store({ name: "bare", executable: "/bin/true", pid: 77 });
    await registry.store({ name: "full", executable: "/bin/echo", pid: 78, args: ["a b", "ü"], env: { K: "v" }, startTime: 5.5 });
    const rows = JSON.parse(ayon(["read-positional", dbPath])) as Array<Record<string, unknown>>;
    const bare = rows.find((r) => r.name === "bare")!;
    expect(bare.args).toEqual([]);
    expect(bare.env).toEqual({});
    expect(bare.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const full = rows.find((r) => r.name === "full")!;
    expect(full.args).toEqual(["a b", "ü"]);
    expect(full.hash).toBe(ayon(["hash", "full", "78", "/bin/echo", "5.5"]));
  });

  it("reads rows AYON wrote, and a malformed row with warnings instead of failing", async () => {
    const dbPath = tempDbPath();
    const registry = await open(dbPath);
    const hash = ayon(["store", dbPath, "houdini", "42", "/opt/hfs20.5/bin/houdini", "1732406400.0", '["-n"]', '{"HOUDINI_PATH":"&"}']);
    expect(hash).toBe("70bb78eb359ecbf0fd1d00b041275202d5a23924032581ed3cca49906aa71868");
    const db = new Database(dbPath);
    db.prepare(
      "INSERT INTO process_info (hash, name, executable, args, env, pid) VALUES ('bad', NULL, 'x', '{not json', '[1]', 'abc')",
    ).run();
    db.close();
    const records = await registry.list({ invalidate: false });
    const houdini = records.find((r) => r.hash === hash)!;
    expect(houdini.env).toEqual({ HOUDINI_PATH: "&" });
    expect(houdini.warnings).toEqual([]);
    const bad = records.find((r) => r.hash === "bad")!;
    expect(bad.warnings).toEqual(expect.arrayContaining(["name is missing", "args is not valid JSON", "env is not a JSON object"]));
    expect(bad.warnings.some((w) => w.startsWith("pid is not a whole number"))).toBe(true);
  });

  it("lists newest first, ties in insertion order, and marks dead records stopped in one write", async () => {
    const dbPath = tempDbPath();
    const registry = await open(dbPath);
    const child = startChild("/bin/sleep", ["30"]);
    await waitFor(() => startTimeOfPid(child.pid!));
    const alive = await registry.store({ name: "alive", executable: "/bin/sleep", pid: child.pid!, startTime: startTimeOfPid(child.pid!) });
    const dead1 = await registry.store({ name: "dead1", executable: "/bin/sleep", pid: 999_991, startTime: 1 });
    const dead2 = await registry.store({ name: "dead2", executable: "/bin/sleep", pid: 999_992, startTime: 2 });
    const older = await registry.store({ name: "older", executable: "/bin/sleep", pid: 999_993 });
    const db = new Database(dbPath);
    db.prepare("UPDATE process_info SET created_at = '2001-01-01 00:00:00' WHERE hash = ?").run(older.hash);
    const dataVersion = () => db.pragma("data_version", { simple: true }) as number;
    const before = dataVersion();

    const listed = await registry.list();
    expect(listed.map((r) => r.name)).toEqual(["dead2", "dead1", "alive", "older"]);
    expect(Object.fromEntries(listed.map((r) => [r.name, r.status]))).toEqual({
      alive: "running",
      dead1: "stopped",
      dead2: "stopped",
      older: "stopped",
    });
    // data_version moves once per commit made by another connection: exactly one write.
    expect(dataVersion()).toBe(before + 1);
    const stoppedInFile = db.prepare("SELECT name FROM process_info WHERE stopped = 1 ORDER BY name").pluck().all();
    expect(stoppedInFile).toEqual(["dead1", "dead2", "older"]);

    // Nothing left to mark: listing again writes nothing.
    await registry.list();
    expect(dataVersion()).toBe(before + 1);
    db.close();
    expect(alive.hash).not.toBe(dead1.hash);
    expect(dead2.stopped).toBe(false);
  });

  it("invalidates one record and says whether it runs", async () => {
    const registry = await open();
    const child = startChild("/bin/sleep", ["30"]);
    await waitFor(() => startTimeOfPid(child.pid!));
    const rec = await registry.store({ name: "s", executable: "/bin/sleep", pid: child.pid!, startTime: startTimeOfPid(child.pid!) });
    expect((await registry.invalidate(rec.hash))?.status).toBe("running");
    child.kill("SIGKILL");
    await waitFor(async () => (await registry.invalidate(rec.hash))?.status === "stopped");
    expect((await registry.get(rec.hash))?.stopped).toBe(true);
    expect(await registry.invalidate("f".repeat(64))).toBeNull();
  });

  it("deletes records with their output files, tolerating missing files", async () => {
    const dbPath = tempDbPath();
    const registry = await open(dbPath);
    const out1 = registry.newOutputPath("one");
    fs.writeFileSync(out1, "hello\n");
    const r1 = await registry.store({ name: "one", executable: "/bin/true", pid: 999_001, outputFile: out1 });
    const r2 = await registry.store({
      name: "two",
      executable: "/bin/true",
      pid: 999_002,
      outputFile: path.join(registry.outputDir, "never-written.log"),
    });
    const r3 = await registry.store({ name: "three", executable: "/bin/true", pid: 999_003 });
    expect(path.dirname(out1)).toBe(path.join(path.dirname(dbPath), "process_output"));

    expect(await registry.delete(r1.hash)).toBe(true);
    expect(fs.existsSync(out1)).toBe(false);
    expect(await registry.delete([r2.hash, "0".repeat(64)])).toBe(true);
    expect(await registry.delete("0".repeat(64))).toBe(false);
    expect(await registry.delete([])).toBe(false);
    expect((await registry.list({ invalidate: false })).map((r) => r.hash)).toEqual([r3.hash]);
  });

  it("prune deletes every inactive record and counts right, keeping running ones", async () => {
    const registry = await open();
    const child = startChild("/bin/sleep", ["30"]);
    await waitFor(() => startTimeOfPid(child.pid!));
    await registry.store({ name: "alive", executable: "/bin/sleep", pid: child.pid!, startTime: startTimeOfPid(child.pid!) });
    const outputs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const out = registry.newOutputPath(`dead${i}`);
      fs.writeFileSync(out, "x");
      outputs.push(out);
      await registry.store({ name: `dead${i}`, executable: "/bin/sleep", pid: 999_100 + i, outputFile: out, stopped: i % 2 === 0 });
    }
    expect(await registry.deleteInactive()).toBe(5);
    expect(outputs.every((o) => !fs.existsSync(o))).toBe(true);
    expect((await registry.list()).map((r) => r.name)).toEqual(["alive"]);
    expect(await registry.deleteInactive()).toBe(0);
  });

  it("resolves unique hash prefixes", async () => {
    const registry = await open();
    const rec = await registry.store({ name: "a", executable: "/bin/true", pid: 999_201 });
    expect(await registry.resolveHash(rec.hash.slice(0, 8))).toBe(rec.hash);
    expect(await registry.resolveHash(rec.hash)).toBe(rec.hash);
    expect(await registry.resolveHash("zzzzzzzz")).toBeNull();
    expect(await registry.resolveHash("abc")).toBeNull();
  });
});

describe("a file with columns of a newer writer", () => {
  it("keeps reading it, with a warning on rows that use the unknown column", async () => {
    const dbPath = tempDbPath();
    const db = new Database(dbPath);
    db.exec(AYON_NEW_TABLE);
    db.exec("ALTER TABLE process_info ADD COLUMN priority INTEGER DEFAULT NULL");
    db.prepare(
      "INSERT INTO process_info (hash, name, executable, args, env, pid, priority) VALUES ('p1', 'a', '/bin/a', '[]', '{}', 1, 5)",
    ).run();
    db.prepare("INSERT INTO process_info (hash, name, executable, args, env, pid) VALUES ('p2', 'b', '/bin/b', '[]', '{}', 2)").run();
    db.close();
    const registry = await open(dbPath);
    expect(registry.extraColumns).toEqual(["priority"]);
    const rows = await registry.list({ invalidate: false });
    expect(rows.find((r) => r.hash === "p1")?.warnings).toEqual(["column priority, unknown to this version, holds data"]);
    expect(rows.find((r) => r.hash === "p2")?.warnings).toEqual([]);
    // Our columns went after it; the newer writer's column is untouched.
    expect(columns(dbPath).slice(10)).toEqual(["stopped", "priority", ...OUR_COLUMNS.slice(1)]);
  });
});

describe("a process table reading older than a record", () => {
  it("never marks a process stopped that started after the reading was taken", async () => {
    const registry = await open();
    const { ProcessSnapshot } = await import("../lib/system/snapshot");
    const old = await ProcessSnapshot.take();
    await new Promise((r) => setTimeout(r, 50));
    const child = startChild("/bin/sleep", ["30"]);
    const startTime = await waitFor(() => startTimeOfPid(child.pid!));
    const record = await registry.store({ name: "new", executable: "/bin/sleep", pid: child.pid!, startTime });
    expect(old.has(child.pid!)).toBe(false);
    const [listed] = await registry.list({ snapshot: old });
    expect(listed?.status).toBe("running");
    expect((await registry.invalidate(record.hash, old))?.status).toBe("running");
    expect((await registry.get(record.hash))?.stopped).toBe(false);
  });
});
