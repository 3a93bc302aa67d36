import fs from "node:fs";

/** SQLite's companions of a database file, which hold the same data. */
const COMPANIONS = ["-wal", "-shm", "-journal"];

function tighten(file: string): void {
  try {
    const stat = fs.statSync(file);
    // Only our own files: another user's registry (shared read access) is theirs to set.
    if (stat.isFile() && stat.uid === process.getuid?.() && (stat.mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  } catch {
    /* not there (yet) */
  }
}

/**
 * Before a database is opened: creates it owner-only when missing (SQLite would use the
 * umask, 0644), and takes group and world access off an existing file of ours. SQLite gives
 * the -wal and -shm it creates the main file's permissions.
 */
export function preparePrivateDatabase(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_WRONLY, 0o600));
  } catch {
    /* a read-only location: opening will say so */
  }
  tighten(file);
  for (const suffix of COMPANIONS) tighten(file + suffix);
}

/** After opening: companions that existed before (another program made them 0644). */
export function tightenCompanions(file: string): void {
  for (const suffix of COMPANIONS) tighten(file + suffix);
}
