import { StringDecoder } from "node:string_decoder";
import { watchFile } from "../output/follow";
import { readRange } from "../output/range";
import { wakeable } from "../output/wake";

const CHUNK_BYTES = 64 * 1024;

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
  const unwatch = watchFile(file)(() => waiter.wake());
  try {
    for (;;) {
      // Known before reading: once the program has ended, one more read takes the rest.
      const last = over;
      for (;;) {
        // Not there yet (or gone): nothing to show this time.
        const range = await readRange(file, { offset, length: CHUNK_BYTES }).catch(() => null);
        if (!range || range.bytes.length === 0) break;
        offset = range.end;
        write(decoder.write(range.bytes));
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
    unwatch();
  }
}
