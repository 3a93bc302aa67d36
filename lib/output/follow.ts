import fs from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { OutputMissingError, openOutput, readAt } from "./range";

export interface FollowOptions {
  /** Byte offset to continue from (what the client already has); the current end when absent. */
  from?: number;
  /** How often to look for new bytes when no change notification arrives. */
  pollMs?: number;
  /** The most one event carries: what a follower can hold us to buffering. */
  chunkBytes?: number;
  /** A comment after this long without an event keeps proxies from closing the stream. */
  keepAliveMs?: number;
  signal: AbortSignal;
}

const encoder = new TextEncoder();

function sse(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * Server-sent events with what is appended to `file` from `from` on. Pull-based: the file
 * is read one chunk at a time and only when the client has taken the previous one, so a
 * slow reader holds at most a chunk here (plus the socket's buffer), whatever the file's
 * size, and nothing reads synchronously. Notices a file that was truncated or replaced (a
 * rotated log) and says `reset`, so the client starts over instead of showing garbage. A
 * `missing` event when the file is gone; `error` and the end of the stream for one that is
 * not a regular file.
 */
export function followOutput(
  file: string,
  { from, pollMs = 250, chunkBytes = 64 * 1024, keepAliveMs = 15_000, signal }: FollowOptions,
): ReadableStream<Uint8Array> {
  let position = from === undefined ? null : Math.max(0, from);
  let identity: string | null = null;
  // The last bytes sent, to notice a file replaced by one that happens to get the same inode.
  let seen: Buffer | null = null;
  let decoder = new StringDecoder("utf8");
  let missingSaid = false;
  let started = false;
  let closed = false;
  let lastSent = Date.now();
  let watcher: fs.FSWatcher | null = null;
  let wake: (() => void) | null = null;
  const buffer = Buffer.alloc(chunkBytes);

  const cleanUp = () => {
    closed = true;
    watcher?.close();
    wake?.();
  };
  signal.addEventListener("abort", cleanUp, { once: true });

  /** Resolves on a change notification, after `pollMs`, or at once when closing. */
  const waitForChange = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  const watch = () => {
    if (watcher || closed) return;
    try {
      watcher = fs.watch(file, { persistent: false }, () => wake?.());
      watcher.on("error", () => {
        watcher?.close();
        watcher = null;
      });
    } catch {
      /* no inotify: polling still works */
    }
  };

  /** The next event: new bytes, a reset, a missing file; null when there is nothing new. */
  const readSome = async (): Promise<{ data: Uint8Array; last?: true } | null> => {
    let opened;
    try {
      opened = await openOutput(file);
    } catch (error) {
      if (error instanceof OutputMissingError && error.code === "NOT_A_FILE") {
        return { data: sse("error", { message: error.message }), last: true };
      }
      if (error instanceof OutputMissingError) {
        identity = null;
        if (missingSaid) return null;
        missingSaid = true;
        return { data: sse("missing", { message: "The output file was deleted." }) };
      }
      throw error;
    }
    const { handle, size, inode, stat } = opened;
    try {
      const events: Uint8Array[] = [];
      const reset = (reason: string) => {
        position = 0;
        seen = null;
        decoder = new StringDecoder("utf8");
        events.push(sse("reset", { reason, size }));
      };
      missingSaid = false;
      position ??= size;
      const currentIdentity = `${inode}:${stat.birthtimeMs}`;
      if (identity !== null && currentIdentity !== identity) reset("replaced");
      else if (size < position) reset("truncated");
      identity = currentIdentity;
      if (seen && position > 0 && size > position) {
        const check = await readAt(handle, position - seen.length, seen.length, Buffer.alloc(seen.length));
        if (!check.equals(seen)) reset("replaced");
      }
      if (size > position) {
        const chunk = await readAt(handle, position, Math.min(chunkBytes, size - position), buffer);
        if (chunk.length > 0) {
          const start = position;
          position += chunk.length;
          seen = Buffer.from(chunk.subarray(Math.max(0, chunk.length - 64)));
          // A character split across reads is completed by the next one.
          events.push(sse("append", { start, end: position, text: decoder.write(chunk) }));
        }
      }
      return events.length === 0 ? null : { data: events.length === 1 ? events[0]! : Buffer.concat(events) };
    } finally {
      await handle.close();
    }
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (closed) return controller.close();
        if (!started) {
          started = true;
          if (position === null) {
            // Like `tail -f`: what comes next, not what was there.
            position = await fs.promises.stat(file).then(
              (s) => (s.isFile() ? s.size : 0),
              () => 0,
            );
          }
          controller.enqueue(Buffer.concat([encoder.encode("retry: 1000\n\n"), sse("ready", { from: position })]));
          watch();
          return;
        }
        for (;;) {
          if (closed) return controller.close();
          let event: { data: Uint8Array; last?: true } | null;
          try {
            event = await readSome();
          } catch (error) {
            event = { data: sse("error", { message: (error as Error).message }) };
          }
          if (event?.last) {
            controller.enqueue(event.data);
            cleanUp();
            return controller.close();
          }
          if (event) {
            lastSent = Date.now();
            watch();
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
