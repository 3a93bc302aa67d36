import { StringDecoder } from "node:string_decoder";
import type { CommandOutcome } from "./commands";

const encoder = new TextEncoder();
const sse = (event: string, data: unknown) => encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

/** How often a follower through the hub asks the agent for what was appended. */
const POLL_MS = 500;
const CHUNK = 64 * 1024;

/**
 * Live follow of a remote output file, with the local follow's events (ready, append, reset,
 * missing, error): the hub asks the host's agent for the bytes after the last ones sent,
 * every half second and at once again while there is more. Pull-based: nothing is asked
 * while the browser has not taken the previous event.
 */
export function followRemote(
  read: (offset: number | undefined, length: number) => Promise<CommandOutcome>,
  { from, signal }: { from?: number; signal: AbortSignal },
): ReadableStream<Uint8Array> {
  let position: number | null = from ?? null;
  let decoder = new StringDecoder("utf8");
  let started = false;
  let missingSaid = false;
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          if (position === null) {
            const tail = await read(undefined, 0).catch(() => null);
            position = tail?.ok ? Number(tail.data.size ?? 0) : 0;
          }
          controller.enqueue(Buffer.concat([encoder.encode("retry: 1000\n\n"), sse("ready", { from: position })]));
          return;
        }
        while (!signal.aborted) {
          let answer: CommandOutcome;
          try {
            answer = await read(position ?? 0, CHUNK);
          } catch (error) {
            controller.enqueue(sse("error", { message: (error as Error).message }));
            controller.close();
            return;
          }
          if (!answer.ok) {
            if (answer.data.code === "NOT_A_FILE") {
              controller.enqueue(sse("error", { message: answer.message }));
              controller.close();
              return;
            }
            if (!missingSaid) {
              missingSaid = true;
              controller.enqueue(sse("missing", { message: "The output file was deleted." }));
              return;
            }
          } else {
            missingSaid = false;
            const size = Number(answer.data.size);
            const start = Number(answer.data.start);
            const end = Number(answer.data.end);
            if (size < (position ?? 0)) {
              position = 0;
              decoder = new StringDecoder("utf8");
              controller.enqueue(sse("reset", { reason: "truncated", size }));
              return;
            }
            if (end > start) {
              position = end;
              const text = decoder.write(Buffer.from(String(answer.data.base64), "base64"));
              controller.enqueue(sse("append", { start, end, text }));
              return;
            }
          }
          await wait(POLL_MS);
        }
        controller.close();
      },
      cancel() {
        /* the browser went away: the loop ends with the request's signal */
      },
    },
    { highWaterMark: 1 },
  );
}
