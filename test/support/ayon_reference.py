"""Behaves as the AYON launcher does with the registry (see SPEC.md), for interop tests.

Written from the SPEC's description of AYON's ProcessManager: positional `SELECT *`
reading with json.loads on args/env, INSERT OR REPLACE without created_at, the
f-string hash, and psutil-based running checks.

usage:
  hash NAME PID|None EXECUTABLE [START]
  read-positional DB          -> JSON list of rows read by position
  store DB NAME PID EXE START ARGS_JSON ENV_JSON   (AYON's INSERT OR REPLACE)
  running PID EXECUTABLE [START]
  start-time PID
  seed DB N                   stdin: JSON list of [pid, executable, start] of live processes;
                              writes N records the AYON way (live ones spread evenly)
  list-bench DB FIRSTS RUNS   times get_all_process_info: FIRSTS first listings of the
                              never-invalidated file, then RUNS steady listings -> JSON
"""
import json
import sqlite3
import sys
from hashlib import sha256
from pathlib import Path, PureWindowsPath


def ayon_hash(name, pid, executable, start_time, path_type=Path):
    start = f"{start_time}" if start_time is not None else ""
    return sha256(f"{name}{pid}{path_type(executable)}{start}".encode()).hexdigest()


AYON_CREATE_TABLE = (
    "CREATE TABLE IF NOT EXISTS process_info ("
    "hash TEXT PRIMARY KEY, name TEXT, executable TEXT, args TEXT DEFAULT NULL, "
    "env TEXT DEFAULT NULL, cwd TEXT DEFAULT NULL, pid INTEGER DEFAULT NULL, "
    "output_file TEXT DEFAULT NULL, start_time REAL DEFAULT NULL, "
    "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, stopped INTEGER DEFAULT 0)"
)


def launch_env(i):
    """An environment the size of a real launch's (AYON records the whole of it)."""
    env = {f"AYON_SETTING_{k}": f"/studio/pipeline/config/{k}/value-{i % 13}" for k in range(40)}
    env.update({
        "PATH": "/usr/local/bin:/usr/bin:/bin:/opt/ayon/bin:/opt/autodesk/maya2025/bin",
        "HOME": "/home/artist", "USER": "artist", "LANG": "en_US.UTF-8",
        "AYON_PROJECT_NAME": "bench", "AYON_FOLDER_PATH": f"/shots/sh{i:05d}", "AYON_TASK_NAME": "lighting",
        "PYTHONPATH": ":".join(f"/opt/ayon/addons/addon{k}/client" for k in range(20)),
    })
    return env


def seed(db, n, live):
    """N records as AYON's launcher stores them; `live` are real processes, the rest ended."""
    cnx = sqlite3.connect(db, timeout=15)
    cnx.execute(AYON_CREATE_TABLE)
    step = max(1, n // max(1, len(live)))
    rows = []
    for i in range(n):
        if live and i % step == 0 and i // step < len(live):
            pid, exe, start = live[i // step]
        else:
            pid, exe, start = 4_000_000 + i, "/opt/autodesk/maya2025/bin/maya", 1_732_406_400.0 + i
        name = f"app{i % 7}"
        rows.append((ayon_hash(name, pid, exe, start), name, Path(exe).as_posix(), json.dumps(["-file", f"/shots/sh{i}.ma"]),
                     json.dumps(launch_env(i)), "/home/artist", pid, None, start, 0))
    cnx.executemany(
        "INSERT OR REPLACE INTO process_info "
        "(hash, name, executable, args, env, cwd, pid, output_file, start_time, stopped) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    cnx.commit()
    cnx.close()


def is_process_running(pid, executable, start_time):
    """AYON's ProcessManager._is_process_running, as SPEC describes it."""
    import psutil
    try:
        proc = psutil.Process(pid)
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    if start_time is not None:
        try:
            if abs(proc.create_time() - float(start_time)) > 1.0:
                return False
        except Exception:
            return False
    if not executable:
        return True
    candidates = set()
    try:
        exe_path = proc.exe()
        if exe_path:
            candidates.add(Path(exe_path).as_posix())
        name = proc.name()
        if name:
            candidates.add(name)
        cmd = proc.cmdline()
        if cmd:
            candidates.add(cmd[0])
    except Exception:
        pass
    return Path(executable).as_posix() in candidates


def get_all_process_info(cnx):
    """AYON's get_all_process_info(invalidate=True): read all, check each, mark the dead."""
    rows = cnx.execute(
        "SELECT hash, name, executable, args, env, cwd, pid, output_file, start_time, created_at, stopped "
        "FROM process_info ORDER BY created_at DESC").fetchall()
    processes = []
    deactivated = set()
    for (hash_, name, executable, args, env, cwd, pid, output, start, created, stopped) in rows:
        proc = {"hash": hash_, "name": name, "executable": Path(executable), "args": json.loads(args) if args else [],
                "env": json.loads(env) if env else {}, "cwd": cwd, "pid": pid,
                "output": Path(output) if output else None, "start_time": start, "created_at": created,
                "stopped": bool(stopped) or pid is None}
        if pid is None and not stopped:
            deactivated.add(hash_)
        elif not proc["stopped"] and not is_process_running(pid, proc["executable"].as_posix(), start):
            proc["stopped"] = True
            deactivated.add(hash_)
        processes.append(proc)
    if deactivated:
        placeholders = ",".join("?" * len(deactivated))
        cnx.execute(f"UPDATE process_info SET stopped=? WHERE hash IN ({placeholders})", (1, *deactivated))
        cnx.commit()
    return processes


def list_bench(db, firsts, runs):
    import time
    cnx = sqlite3.connect(db, timeout=15)
    first_ms, steady_ms, running = [], [], 0
    for _ in range(firsts):
        cnx.execute("UPDATE process_info SET stopped = 0")
        cnx.commit()
        t = time.perf_counter()
        processes = get_all_process_info(cnx)
        first_ms.append((time.perf_counter() - t) * 1000)
    for _ in range(runs):
        t = time.perf_counter()
        processes = get_all_process_info(cnx)
        steady_ms.append((time.perf_counter() - t) * 1000)
        running = sum(1 for p in processes if not p["stopped"])
    cnx.close()
    return {"first_ms": first_ms, "steady_ms": steady_ms, "running": running}


def main(argv):
    cmd = argv[0]
    if cmd == "hash":
        pid = None if argv[2] == "None" else int(argv[2])
        start = float(argv[4]) if len(argv) > 4 else None
        print(ayon_hash(argv[1], pid, argv[3], start))
    elif cmd == "hash-many":
        # stdin: JSON list of [name, pid|null, executable, start|null]
        cases = json.load(sys.stdin)
        print(json.dumps([ayon_hash(n, p, e, None if s is None else float(s)) for n, p, e, s in cases]))
    elif cmd == "hash-many-windows":
        # As AYON on Windows, where Path is a WindowsPath.
        cases = json.load(sys.stdin)
        print(json.dumps([ayon_hash(n, p, e, None if s is None else float(s), PureWindowsPath) for n, p, e, s in cases]))
    elif cmd == "windows-path-str":
        print(json.dumps([str(PureWindowsPath(c)) for c in json.load(sys.stdin)]))
    elif cmd == "store-windows":
        # stdin: JSON list of {name, pid, exe, start, args, env, cwd, output_file}: rows as AYON on
        # Windows stores them (str(WindowsPath) with backslashes, the hash of that string).
        cnx = sqlite3.connect(argv[1], timeout=15)
        cnx.execute(AYON_CREATE_TABLE)
        hashes = []
        for r in json.load(sys.stdin):
            exe = str(PureWindowsPath(r["exe"]))
            h = ayon_hash(r["name"], r["pid"], exe, r["start"], PureWindowsPath)
            cnx.execute(
                "INSERT OR REPLACE INTO process_info "
                "(hash, name, executable, args, env, cwd, pid, output_file, start_time, stopped) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (h, r["name"], exe, json.dumps(r["args"]), json.dumps(r["env"]), r["cwd"], r["pid"], r["output_file"], r["start"], 0),
            )
            hashes.append(h)
        cnx.commit()
        print(json.dumps(hashes))
    elif cmd == "list2cmdline":
        import subprocess
        print(json.dumps([subprocess.list2cmdline(args) for args in json.load(sys.stdin)]))
    elif cmd == "read-positional":
        cnx = sqlite3.connect(argv[1])
        rows = []
        for row in cnx.execute("SELECT * FROM process_info ORDER BY created_at DESC"):
            (hash_, name, executable, args, env, cwd, pid, output_file, start_time, created_at) = row[:10]
            rows.append({
                "hash": hash_, "name": name, "executable": executable,
                "args": json.loads(args), "env": json.loads(env), "cwd": cwd, "pid": pid,
                "output_file": output_file, "start_time": start_time, "created_at": created_at,
                "width": len(row),
            })
        print(json.dumps(rows))
    elif cmd == "store":
        _, db, name, pid, exe, start, args, env = argv
        pid = int(pid)
        start = float(start) if start != "None" else None
        cnx = sqlite3.connect(db, timeout=15)
        cnx.execute(
            "INSERT OR REPLACE INTO process_info "
            "(hash, name, executable, args, env, cwd, pid, output_file, start_time, stopped) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ayon_hash(name, pid, exe, start), name, Path(exe).as_posix(), args, env, "/tmp", pid, None, start, 0),
        )
        cnx.commit()
        print(ayon_hash(name, pid, exe, start))
    elif cmd == "running":
        import psutil
        pid, executable = int(argv[1]), argv[2]
        start_time = float(argv[3]) if len(argv) > 3 else None
        try:
            proc = psutil.Process(pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                raise psutil.ZombieProcess(pid)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            print("false")
            return
        if start_time is not None and abs(proc.create_time() - start_time) > 1.0:
            print("false")
            return
        candidates = set()
        try:
            candidates.add(Path(proc.exe()).as_posix())
            candidates.add(proc.name())
            cmd_line = proc.cmdline()
            if cmd_line:
                candidates.add(cmd_line[0])
        except Exception:
            pass
        print("true" if Path(executable).as_posix() in candidates else "false")
    elif cmd == "seed":
        seed(argv[1], int(argv[2]), json.load(sys.stdin))
    elif cmd == "list-json":
        # What a studio script does with AYON's own code: read every record, print them.
        cnx = sqlite3.connect(argv[1], timeout=15)
        print(json.dumps(get_all_process_info(cnx), default=str))
        cnx.close()
    elif cmd == "list-bench":
        print(json.dumps(list_bench(argv[1], int(argv[2]), int(argv[3]))))
    elif cmd == "start-time":
        import psutil
        print(repr(psutil.Process(int(argv[1])).create_time()))
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv[1:])
