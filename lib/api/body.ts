import { codedResponse } from "./respond";

/** Request bodies above this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a JSON body, at most `limit` bytes (counted as they arrive, whatever the
 * Content-Length claims). Returns the value, or the error response to send.
 */
export async function readJsonBody(
  request: Request,
  { limit = MAX_BODY_BYTES, optional = false } = {},
): Promise<{ value: unknown } | { response: Response }> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) return { response: codedResponse("TOO_LARGE", `Request body is larger than ${limit} bytes.`) };
  const type = request.headers.get("content-type") ?? "";
  if (type && !/^application\/json\b/i.test(type) && !/^text\/plain\b/i.test(type)) {
    return { response: codedResponse("NOT_JSON", "Send the body as application/json.") };
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return { response: codedResponse("TOO_LARGE", `Request body is larger than ${limit} bytes.`) };
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") {
    return optional ? { value: {} } : { response: codedResponse("INVALID", "Request body is empty; send a JSON object.") };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { response: codedResponse("INVALID", `Request body is not valid JSON: ${(error as Error).message}`) };
  }
}
