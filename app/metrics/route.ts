import { metricsResponse } from "@/lib/api/metrics";

export const dynamic = "force-dynamic";

/** Prometheus scrapes this (docs/operator-guide.md "Metrics"). */
export async function GET(request: Request) {
  return metricsResponse(request);
}
