// The newest modification time under a file or folder: how the start script and the CLI
// launcher tell that a build is older than what it was made from.
import fs from "node:fs";
import path from "node:path";

/**
 * @param {string} entry a file or folder
 * @param {(name: string) => boolean} [skip] names (at any depth) to leave out
 * @returns {number} milliseconds since the epoch; 0 when `entry` does not exist
 */
export function newestMtime(entry, skip = () => false) {
  let stat;
  try {
    // Not followed through links: a Wine prefix links drive Z: to `/`.
    stat = fs.lstatSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of fs.readdirSync(entry)) {
    if (!skip(child)) newest = Math.max(newest, newestMtime(path.join(entry, child), skip));
  }
  return newest;
}
