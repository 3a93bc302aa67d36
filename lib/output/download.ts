import type { FileHandle } from "node:fs/promises";

const CHUNK = 64 * 1024;

/**
 * The first `size` bytes of an open file as a stream that reads the next chunk only when the
 * client has taken the last (pull-based, one chunk queued): a download of any size costs a
 * chunk of memory, however slowly it is read. Closes the file at the end or on cancel.
 */
export function streamFile(handle: FileHandle, size: number): ReadableStream<Uint8Array> {
  let position = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => undefined);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const length = Math.min(CHUNK, size - position);
        const { bytesRead, buffer } =
          length > 0 ? await handle.read(Buffer.alloc(length), 0, length, position) : { bytesRead: 0, buffer: null };
        if (bytesRead === 0 || !buffer) {
          // The end, or a file cut short since it was opened: what was there is all there is.
          await close();
          return controller.close();
        }
        position += bytesRead;
        controller.enqueue(buffer.subarray(0, bytesRead));
      },
      cancel: close,
    },
    { highWaterMark: 1 },
  );
}
