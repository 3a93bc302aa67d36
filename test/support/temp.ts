import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

/** A fresh folder under the OS temp dir, removed after the test file. */
export function tempDir(prefix = "pm-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;
/** A path for a new registry file in its own folder. */
export function tempDbPath(): string {
  const dir = tempDir();
  return path.join(dir, `registry-${process.pid}-${counter++}.db`);
}
