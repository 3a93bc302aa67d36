import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

const made: string[] = [];
// Registered once, when a test file imports this: a hook registered from inside a beforeAll
// or a test is not run, which is how every run used to leave dozens of folders behind. As the
// file's outermost hook it runs after each describe's own afterAll has stopped its servers.
afterAll(() => {
  // A keeper still finishing may write into a folder while it goes: try again a few times.
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

/** A fresh folder under the OS temp dir, removed after the test file. */
export function tempDir(prefix = "pm-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

let counter = 0;
/** A path for a new registry file in its own folder. */
export function tempDbPath(): string {
  const dir = tempDir();
  return path.join(dir, `registry-${process.pid}-${counter++}.db`);
}
