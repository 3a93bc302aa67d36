import { readJsonBody } from "@/lib/api/body";
import { stopRecord } from "@/lib/api/processes";
import { errorResponse, jsonOk } from "@/lib/api/respond";

export const dynamic = "force-dynamic";

/** Body (optional): { "force": false, "graceSeconds": 5 }. */
export async function POST(request: Request, { params }: { params: Promise<{ hash: string }> }) {
  const { hash } = await params;
  const body = await readJsonBody(request, { optional: true, limit: 4096 });
  if ("response" in body) return body.response;
  try {
    return jsonOk(await stopRecord(hash, body.value));
  } catch (error) {
    return errorResponse(error);
  }
}
