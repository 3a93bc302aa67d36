// A package from the npm registry unpacked where a test needs it (Node for another line or
// platform, a prebuilt addon): `npm pack` into `packs`, then the part `pick` of it moved to `into`.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * @param {string} spec
 * @param {string} into
 * @param {string} pick
 * @param {string} packs
 */
export function unpackFromNpm(spec, into, pick, packs) {
  fs.mkdirSync(packs, { recursive: true });
  const name = execFileSync("npm", ["pack", spec, "--silent", "--pack-destination", packs], { cwd: packs, encoding: "utf8" })
    .trim()
    .split("\n")
    .pop();
  const staging = fs.mkdtempSync(path.join(path.dirname(into), "unpack-"));
  try {
    execFileSync("tar", ["-xzf", path.join(packs, name), "-C", staging]);
    fs.rmSync(into, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(into), { recursive: true });
    fs.renameSync(path.join(staging, "package", pick), into);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
