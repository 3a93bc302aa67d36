// The hub's SQLite file copies its write-ahead log back into the database on a thread of its
// own. SQLite's automatic checkpoint runs inside the commit that crosses 1,000 pages: under
// 1,000 reporting hosts that was several times a second, each copying 4 MB with the event loop
// stopped (reports and pages waiting), and a page rewritten by every window (the host rows) was
// copied each time. Here a worker checkpoints every CHECKPOINT_MS without blocking readers or
// writers (PASSIVE), and the connections that write no longer do it themselves.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

const CHECKPOINT_MS = 1_000;

/** Runs in the worker (plain CommonJS: `eval`'d, so the bundler leaves it alone). */
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 25 });
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // Busy or gone for a moment: the next round copies what this one did not.
  }
}, workerData.everyMs);
parentPort.on("message", () => {
  clearInterval(timer);
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch {}
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Starts checkpointing `file` on a worker thread; `stop` ends it after a last checkpoint. Should
 * the worker fail, `fallBack` hands the checkpoints back to SQLite's own (in the commits).
 */
export function startCheckpoints(file: string, fallBack: () => void): Checkpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER, { eval: true, workerData: { file, driver, everyMs: CHECKPOINT_MS } });
  // It never keeps the hub alive; a failure of its own is not the hub's.
  worker.unref();
  worker.on("error", fallBack);
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once("exit", () => resolve());
        // Held until its last checkpoint is done: else a process with nothing else to wait for
        // (a script, a bench) ends here, and whatever follows the store's close never runs.
        worker.ref();
        worker.postMessage("stop");
        setTimeout(() => void worker.terminate(), 2_000).unref();
      }),
  };
}
