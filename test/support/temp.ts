import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

const made: string[] = [];
// Registered once, when a test file imports this: a hook registered from inside a beforeAll
// or a test is not run, which is how every run used to leave dozens of folders behind. As the
// file's outermost hook it runs after each describe's own afterAll has stopped its servers.
afterAll(async () => {
  // A keeper still finishing (its sidecar, its `record-exits`) may write into a folder while it
  // goes: tried again for a few seconds. Never thrown: a failing hook here would keep the
  // file's other hooks (killing its children) from running, and `npm test` names any folder
  // still left at the end.
  for (const dir of made.splice(0)) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
        break;
      } catch (error) {
        if (attempt >= 50) {
          console.warn(`could not remove ${dir}: ${(error as Error).message}`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
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
