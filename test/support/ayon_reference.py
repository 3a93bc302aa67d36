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
"""
import json
import sqlite3
import sys
from hashlib import sha256
from pathlib import Path


def ayon_hash(name, pid, executable, start_time):
    start = f"{start_time}" if start_time is not None else ""
    return sha256(f"{name}{pid}{Path(executable)}{start}".encode()).hexdigest()


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
    elif cmd == "start-time":
        import psutil
        print(repr(psutil.Process(int(argv[1])).create_time()))
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv[1:])
