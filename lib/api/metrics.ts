import "server-only";
import { clientAddress } from "../auth/login";
import { wrongCredential } from "../auth/rate-limit";
import { metricsTokenMatches } from "../auth/session";
import { metricsText } from "./metrics-gauges";
import { codedResponse, errorResponse } from "./respond";
import { bearerToken } from "../http/headers";

/** GET /metrics: the Prometheus text format, for the operator token or PROCESS_MONITOR_METRICS_TOKEN. */
export async function metricsResponse(request: Request): Promise<Response> {
  const given = bearerToken(request.headers.get("authorization"));
  if (!metricsTokenMatches(given)) {
    const wait = given ? wrongCredential(clientAddress(request), "bearer") : 0;
    if (wait > 0)
      return codedResponse(
        "TOO_MANY",
        `Too many wrong tokens from this address; try again in ${wait} s.`,
        {},
        { "retry-after": String(wait) },
      );
    return codedResponse(
      "WRONG_KEY",
      "Send the operator token or PROCESS_MONITOR_METRICS_TOKEN as Authorization: Bearer <token>.",
      {},
      { "www-authenticate": "Bearer" },
    );
  }
  try {
    const { contentType, text } = await metricsText();
    return new Response(text, { headers: { "content-type": contentType, "cache-control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}
