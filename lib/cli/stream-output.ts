import fs from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { wakeable } from "../output/wake";

/**
 * Copies what a launched program writes to its output file to `write` as it comes (`launch
 * --wait` in a terminal shows the program as it runs), until `ended` settles and the file has
 * been read to its end. UTF-8 characters split between reads come out whole.
 */
export async function streamOutput(file: string, ended: Promise<unknown>, write: (text: string) => void, pollMs = 100): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let offset = 0;
  let over = false;
  const waiter = wakeable();
  void ended.finally(() => {
    over = true;
    waiter.wake();
  });
  let watcher: fs.FSWatcher | null = null;
  try {
    watcher = fs.watch(file, { persistent: false }, () => waiter.wake());
    watcher.on("error", () => watcher?.close());
  } catch {
    /* not watchable (yet): polling alone */
  }
  const buffer = Buffer.alloc(64 * 1024);
  try {
    for (;;) {
      // Known before reading: once the program has ended, one more read takes the rest.
      const last = over;
      const handle = await fs.promises.open(file, "r").catch(() => null);
      if (handle) {
        try {
          for (;;) {
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
            if (bytesRead === 0) break;
            offset += bytesRead;
            write(decoder.write(buffer.subarray(0, bytesRead)));
          }
        } finally {
          await handle.close();
        }
      }
      if (last) break;
      const slept = waiter.sleep(pollMs);
      // Ended between the read and the sleep: no need to wait for it.
      if (over) waiter.wake();
      await slept;
    }
    const rest = decoder.end();
    if (rest) write(rest);
  } finally {
    watcher?.close();
  }
}
