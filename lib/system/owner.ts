// Which operating-system user a process belongs to: the launching user of a record we started is
// recorded at launch (currentUser); another launcher's record (AYON's) is shown with the owner of
// its process while it runs (processOwner). Linux: the uid of /proc/<pid>, named by /etc/passwd;
// elsewhere the owner of another process is not read (null: shown as unknown).
import fs from "node:fs";
import os from "node:os";
import { hasProcFs } from "./proc-linux";

/** The user this program runs as; null when the system cannot say (a uid with no name in a container). */
export function currentUser(): string | null {
  try {
    return os.userInfo().username || null;
  } catch {
    return null;
  }
}

/** uid -> name from /etc/passwd, read again at most once a minute (a user added meanwhile). */
let names: { at: number; byUid: Map<number, string> } | null = null;

function userName(uid: number): string {
  if (!names || (!names.byUid.has(uid) && Date.now() - names.at > 60_000)) {
    const byUid = new Map<number, string>();
    try {
      for (const line of fs.readFileSync("/etc/passwd", "utf8").split("\n")) {
        const [name, , id] = line.split(":");
        if (name && id !== undefined && /^\d+$/.test(id) && !byUid.has(Number(id))) byUid.set(Number(id), name);
      }
    } catch {
      /* no passwd file: uids are shown as numbers */
    }
    names = { at: Date.now(), byUid };
  }
  // A user the system has no name for (LDAP not in passwd, a container's uid) is its number.
  return names.byUid.get(uid) ?? `uid ${uid}`;
}

/** The user a running process belongs to; null where it cannot be read (gone, or not Linux). */
export function processOwner(pid: number): string | null {
  if (!hasProcFs) return null;
  try {
    return userName(fs.statSync(`/proc/${pid}`).uid);
  } catch {
    return null;
  }
}
