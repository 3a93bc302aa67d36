import { told } from "../told";
import { instruments } from "../metrics/instruments";
import { STATUS_OF, type ErrorCode } from "../status-of";

export { STATUS_OF, type ErrorCode };

/** An error's answer before it is an HTTP response: the agents' socket sends the same status and body. */
export interface CodedAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** The answer for a code: its status from the table, the code and `details` beside the message. */
export function codedAnswer(
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): CodedAnswer {
  return { status: STATUS_OF[code], body: { error: message, code, ...details }, headers };
}

export function responseOf({ status, body, headers }: CodedAnswer): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

/** An error's response: `{ "error", "code", ...details }`, its status the table's for the code. */
export function codedResponse(
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return responseOf(codedAnswer(code, message, details, headers));
}

/** A body already serialised (parts of it kept from an earlier answer): sent as it is. */
export class JsonText {
  constructor(readonly text: string) {}
}

export function jsonOk(body: unknown, status = 200): Response {
  const headers = { "cache-control": "no-store" };
  if (body instanceof JsonText) return new Response(body.text, { status, headers: { ...headers, "content-type": "application/json" } });
  return Response.json(body, { status, headers });
}

function retryHeaders(error: unknown): Record<string, string> {
  const wait = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof wait === "number" ? { "retry-after": String(wait) } : {};
}

/**
 * Maps our errors to statuses through STATUS_OF. Conditions of the machine (a lock, a full
 * disk, a store down) are told as such whatever error carried them. Anything unexpected is a
 * 500 that names no internals (a driver's message can hold SQL, hosts and stack frames): a
 * reference to the line in the server's log.
 */
export function errorResponse(error: unknown): Response {
  return responseOf(errorAnswer(error));
}

/** The status and JSON body an error answers with (errorResponse's, for the agents' socket too). */
export function errorAnswer(error: unknown): CodedAnswer {
  const { code, message, details, condition } = told(error);
  if (condition) instruments().storeErrors.inc({ code });
  return codedAnswer(code, message, details, retryHeaders(error));
}
