import { createHash } from "node:crypto";
import { pythonFloatStr, pythonPathStr } from "./python-format";

export interface HashInput {
  name: string;
  pid: number | null;
  executable: string;
  startTime: number | null;
}

/**
 * The record identity, computed exactly as the AYON launcher does:
 * sha256 of `f"{name}{pid}{executable}{start}"` where executable is a `Path`,
 * pid prints as `None` when missing and start is empty when missing. `str(Path)` follows the
 * rules of the system that wrote the record (Windows ones for `C:\\...`; see `pythonPathStr`),
 * which is also the string the registry stores, so the hash of a stored row is its own.
 */
export function processHash({ name, pid, executable, startTime }: HashInput): string {
  const pidText = pid === null ? "None" : String(pid);
  const startText = startTime === null ? "" : pythonFloatStr(startTime);
  const key = `${name}${pidText}${pythonPathStr(executable)}${startText}`;
  return createHash("sha256").update(key, "utf8").digest("hex");
}

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** The fewest characters of a hash that name a record (what people copy from a terminal). */
export const MIN_HASH_PREFIX = 6;
const PREFIX_PATTERN = new RegExp(`^[0-9a-f]{${MIN_HASH_PREFIX},64}$`);

/** True for what may name a record: a whole hash, or a prefix of MIN_HASH_PREFIX or more. */
export function isHashPrefix(value: string): boolean {
  return PREFIX_PATTERN.test(value);
}

/** True for the shape of a record hash; anything else never reaches the database. */
export function isProcessHash(value: string): boolean {
  return HASH_PATTERN.test(value);
}
