import fs from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { MAX_RANGE_BYTES } from "./range";

export interface FollowOptions {
  /** Byte offset to continue from (what the client already has). */
  from: number;
  /** How often to look for new bytes when no change notification arrives. */
  pollMs?: number;
  signal: AbortSignal;
}

const encoder = new TextEncoder();

function sse(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * Server-sent events with what is appended to `file` from `from` on. Reads only the new
 * bytes; notices a file that was truncated or replaced (a rotated log) and says `reset`,
 * so the client starts over instead of showing garbage. A `missing` event when the file
 * is gone; a comment every 15 s keeps proxies from closing the stream.
 */
export function followOutput(file: string, { from, pollMs = 100, signal }: FollowOptions): ReadableStream<Uint8Array> {
  let position = Math.max(0, from);
  let identity: string | null = null;
  // The last bytes sent, to notice a file replaced by one that happens to get the same inode.
  let seen: Buffer | null = null;
  let decoder = new StringDecoder("utf8");
  let watcher: fs.FSWatcher | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  let keepAlive: ReturnType<typeof setInterval> | null = null;
  let busy = false;
  let checkedOnce = false;
  let closed = false;

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const close = () => {
        if (closed) return;
        closed = true;
        watcher?.close();
        if (timer) clearInterval(timer);
        if (keepAlive) clearInterval(keepAlive);
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      const send = (chunk: Uint8Array) => {
        if (!closed) controller.enqueue(chunk);
      };
      const check = () => {
        if (busy || closed) return;
        busy = true;
        try {
          let stat: fs.Stats;
          try {
            stat = fs.statSync(file);
          } catch {
            if (identity !== null || !checkedOnce) send(sse("missing", { message: "The output file was deleted." }));
            identity = null;
            checkedOnce = true;
            return;
          }
          const reset = (reason: string) => {
            position = 0;
            seen = null;
            decoder = new StringDecoder("utf8");
            send(sse("reset", { reason, size: stat.size }));
          };
          const currentIdentity = `${stat.ino}:${stat.birthtimeMs}`;
          if (identity !== null && currentIdentity !== identity) reset("replaced");
          else if (stat.size < position) reset("truncated");
          identity = currentIdentity;
          checkedOnce = true;
          if (stat.size <= position) return;
          const fd = fs.openSync(file, "r");
          try {
            if (seen && seen.length > 0) {
              const check = Buffer.alloc(seen.length);
              fs.readSync(fd, check, 0, seen.length, position - seen.length);
              if (!check.equals(seen)) reset("replaced");
            }
            while (position < stat.size && !closed) {
              const length = Math.min(stat.size - position, MAX_RANGE_BYTES);
              const buffer = Buffer.alloc(length);
              const n = fs.readSync(fd, buffer, 0, length, position);
              if (n === 0) break;
              const start = position;
              position += n;
              seen = Buffer.from(buffer.subarray(Math.max(0, n - 64), n));
              // A character split across reads is completed by the next one.
              send(sse("append", { start, end: position, text: decoder.write(buffer.subarray(0, n)) }));
            }
          } finally {
            fs.closeSync(fd);
          }
        } catch (error) {
          send(sse("error", { message: (error as Error).message }));
        } finally {
          busy = false;
        }
      };

      signal.addEventListener("abort", close);
      send(encoder.encode(`retry: 1000\n\n`));
      send(sse("ready", { from: position }));
      check();
      try {
        watcher = fs.watch(file, { persistent: false }, () => check());
        watcher.on("error", () => undefined);
      } catch {
        /* no file yet, or no inotify: polling below still works */
      }
      timer = setInterval(check, pollMs);
      keepAlive = setInterval(() => send(encoder.encode(": keep-alive\n\n")), 15_000);
    },
    cancel() {
      closed = true;
      watcher?.close();
      if (timer) clearInterval(timer);
      if (keepAlive) clearInterval(keepAlive);
    },
  });
}
