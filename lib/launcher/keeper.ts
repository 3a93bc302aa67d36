import fs from "node:fs";
import path from "node:path";

/**
 * The keeper: a POSIX `sh` (about 1.5 MB) that is the waiting parent of one launched
 * program, so that its end is observed whoever launched it and whether or not the
 * launcher still runs. One per launch rather than a shared supervisor: nothing to start,
 * find or keep alive, and a keeper that dies takes only its own record's exit with it.
 *
 * It starts the program through `setsid` (its own session and process group, so stop
 * signals the program's group and never the keeper) and `env --default-signal` (a
 * background job of a shell starts with SIGINT and SIGQUIT ignored; the program must get
 * default dispositions). Both exec in place: the program keeps the pid the keeper reports
 * on fd 3, and its creation time. It writes to the output file through the descriptors
 * it inherits; the keeper closes its own.
 *
 * The program runs only once it is recorded: the process that will become it reports its pid
 * and then waits for the line `go` on fd 3, which the launcher writes after the record is
 * stored. Anything else (the launcher could not record it, or died) and it exits 125 without
 * running anything; the launcher then kills both, so no sidecar is written either.
 *
 * When the program ends the keeper writes `pid status end-time cpu=USER+SYS oom=N` to a
 * sidecar file (a rename, so never half-written): the CPU times of the program and the children
 * it waited for (`times`), and the machine's out-of-memory kill counter then; then asks the CLI to fold it into the registry. If the
 * registry is locked or the CLI cannot run, the sidecar stays and the next listing folds
 * it in. Its exit status is the program's, as a shell reports it: 128+N for signal N.
 * The sidecar's blocks are taken at the start (128 spaces, overwritten in place at the end
 * with `1<>`, which does not truncate), so a disk that fills while the program runs cannot
 * lose its end.
 *
 * Arguments: SIDECAR NODE CLI DB KEEP_PWD PATTERNS EXECUTABLE [ARG]... (CLI empty: sidecar only;
 * KEEP_PWD 0 when the program's environment has no PWD, which the shell would add; PATTERNS the
 * launcher's studio end patterns, handed to the CLI that settles the end, whose environment is
 * otherwise empty: the launched program's has none of our settings).
 */
export const KEEPER_SCRIPT = `
sidecar=$1 node=$2 cli=$3 db=$4 keep_pwd=$5 patterns=$6
shift 6
[ "$keep_pwd" = 1 ] || unset PWD
trap '' HUP INT QUIT TERM PIPE
printf '%128s\\n' '' >"$sidecar.tmp" 2>/dev/null
(
  IFS= read -r go <&3 && [ "$go" = go ] || exit 125
  exec setsid env --default-signal "$@" 3>&-
) &
pid=$!
echo "$pid" >&3
exec 3>&- </dev/null >/dev/null 2>&1
wait "$pid"
code=$?
end=$(date +%s.%N 2>/dev/null || date +%s)
cpu= oom=
times >"$sidecar.cpu" 2>/dev/null && { read -r _ _ && read -r u s; } <"$sidecar.cpu" && cpu="cpu=$u+$s"
rm -f "$sidecar.cpu"
while read -r k v; do [ "$k" = oom_kill ] && oom="oom=$v" && break; done </proc/vmstat 2>/dev/null
printf '%s %s %s %s %s' "$pid" "$code" "$end" "$cpu" "$oom" 1<>"$sidecar.tmp" && mv -f "$sidecar.tmp" "$sidecar"
if [ -n "$cli" ]; then env -i PROCESS_MONITOR_END_PATTERNS="$patterns" "$node" "$cli" record-exits --db "$db"; fi
exit "$code"
`;

let keeperUsable: boolean | undefined;

function onPath(command: string): boolean {
  return (process.env.PATH ?? "/usr/bin:/bin").split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

/** Whether this system has what the keeper needs (Linux: util-linux `setsid`, GNU `env`). */
export function canUseKeeper(): boolean {
  return (keeperUsable ??= process.platform === "linux" && fs.existsSync("/bin/sh") && onPath("setsid") && onPath("env"));
}

/**
 * The checkout or installed package this code runs from, for the keeper's call back into
 * the CLI. Searched from the running script and the working directory, since a bundle
 * (Next's, esbuild's) does not keep its sources' locations.
 */
export function cliEntry(): string | null {
  const starts = [process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : null, process.cwd()];
  for (const start of starts) {
    for (let dir = start; dir;) {
      const candidate = path.join(dir, "bin", "process-monitor.js");
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string };
        if (pkg.name === "process-monitor" && fs.existsSync(candidate)) return candidate;
      } catch {
        /* not here */
      }
      const parent = path.dirname(dir);
      dir = parent === dir ? null : parent;
    }
  }
  return null;
}
