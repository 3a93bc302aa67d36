import fs from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { CodedError } from "../errors";
import { readRange, type ByteRange } from "./range";
import { wakeable } from "./wake";

/** Where a follower reads: bytes from an offset (a file here, or one on a workstation through the hub). */
export type FollowRead = (offset: number, length: number) => Promise<ByteRange>;

export interface FollowOptions {
  /** Byte offset to continue from (what the client already has); the current end when absent. */
  from?: number;
  /** How often to look for new bytes when no change notification arrives. */
  pollMs?: number;
  /** The most one event carries: what a follower can hold us to buffering. */
  chunkBytes?: number;
  /** A comment after this long without an event keeps proxies from closing the stream. */
  keepAliveMs?: number;
  /** Calls `wake` when the source may have changed (inotify for a local file); returns its stop. */
  watch?: (wake: () => void) => () => void;
  signal: AbortSignal;
}

const encoder = new TextEncoder();

function sse(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Bytes kept from the end of what was sent, to notice a file replaced by one as long or longer. */
const SEEN_BYTES = 64;

/**
 * Server-sent events with what is appended to an output from `from` on: the one follow stream,
 * for a local file and for a remote one read through the hub (events ready, append, reset,
 * missing, error). Pull-based: the source is read one chunk at a time and only when the client
 * has taken the previous one, so a slow reader holds at most a chunk here, whatever the
 * output's size. Notices an output that was truncated or replaced (a rotated log) and says
 * `reset`, so the client starts over instead of showing garbage. `missing` when it is gone;
 * `error` and the end of the stream for one that is not a regular file, or a source that fails.
 */
export function followStream(
  read: FollowRead,
  { from, pollMs = 250, chunkBytes = 64 * 1024, keepAliveMs = 15_000, watch, signal }: FollowOptions,
): ReadableStream<Uint8Array> {
  let position = from === undefined ? null : Math.max(0, from);
  let identity: string | null = null;
  // The last bytes sent, read again before new ones: a file replaced by one that happens to
  // get the same inode shows there.
  let seen: Buffer | null = null;
  let decoder = new StringDecoder("utf8");
  let missingSaid = false;
  let started = false;
  let closed = false;
  let lastSent = Date.now();
  let unwatch: (() => void) | null = null;
  const waiter = wakeable();

  const cleanUp = () => {
    closed = true;
    unwatch?.();
    waiter.wake();
  };
  signal.addEventListener("abort", cleanUp, { once: true });

  /** Resolves on a change notification, after `pollMs`, or at once when closing. */
  const waitForChange = () => waiter.sleep(pollMs);

  /** The next event: new bytes, a reset, a missing output; null when there is nothing new. */
  const readSome = async (): Promise<{ data: Uint8Array; last?: true } | null> => {
    const at = position ?? 0;
    const back = seen ? Math.min(seen.length, at) : 0;
    let range: ByteRange;
    try {
      range = await read(at - back, back + chunkBytes);
    } catch (error) {
      const code = error instanceof CodedError ? error.code : null;
      if (code === "OUTPUT_MISSING") {
        identity = null;
        if (missingSaid) return null;
        missingSaid = true;
        return { data: sse("missing", { message: "The output file was deleted." }) };
      }
      return { data: sse("error", { message: (error as Error).message }), last: true };
    }
    missingSaid = false;
    const reset = (reason: string) => {
      position = 0;
      seen = null;
      identity = range.identity;
      decoder = new StringDecoder("utf8");
      return { data: sse("reset", { reason, size: range.size }) };
    };
    if (identity !== null && range.identity !== identity) return reset("replaced");
    if (range.size < at) return reset("truncated");
    identity = range.identity;
    if (range.size <= at) return null;
    if (back > 0 && !range.bytes.subarray(0, back).equals(seen!.subarray(seen!.length - back))) return reset("replaced");
    const chunk = range.bytes.subarray(back);
    if (chunk.length === 0) return null;
    position = at + chunk.length;
    seen = Buffer.from(chunk.subarray(Math.max(0, chunk.length - SEEN_BYTES)));
    // A character split across reads is completed by the next one.
    return { data: sse("append", { start: at, end: position, text: decoder.write(chunk) }) };
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (closed) return controller.close();
        if (!started) {
          started = true;
          // Like `tail -f`: what comes next, not what was there.
          position ??= await read(0, 0).then(
            (range) => range.size,
            () => 0,
          );
          controller.enqueue(Buffer.concat([encoder.encode("retry: 1000\n\n"), sse("ready", { from: position })]));
          unwatch = watch?.(() => waiter.wake()) ?? null;
          return;
        }
        for (;;) {
          if (closed) return controller.close();
          const event = await readSome();
          if (event?.last) {
            controller.enqueue(event.data);
            cleanUp();
            return controller.close();
          }
          if (event) {
            lastSent = Date.now();
            return controller.enqueue(event.data);
          }
          if (Date.now() - lastSent >= keepAliveMs) {
            lastSent = Date.now();
            return controller.enqueue(encoder.encode(": keep-alive\n\n"));
          }
          await waitForChange();
        }
      },
      cancel: cleanUp,
    },
    { highWaterMark: 1 },
  );
}

/** Change notifications for a file (inotify where there is one; polling covers the rest). */
/** Wakes a follower when a file here is written (inotify); a file that cannot be watched is polled. */
export function watchFile(file: string) {
  return (wake: () => void) => {
    let watcher: fs.FSWatcher | null = null;
    try {
      watcher = fs.watch(file, { persistent: false }, wake);
      watcher.on("error", () => watcher?.close());
    } catch {
      /* no inotify, or no file yet: polling still works */
    }
    return () => watcher?.close();
  };
}

/** Follows a local output file (see followStream). */
export function followOutput(file: string, options: Omit<FollowOptions, "watch">): ReadableStream<Uint8Array> {
  return followStream((offset, length) => readRange(file, { offset, length }), { ...options, watch: watchFile(file) });
}
