import { recordUsage } from "@/lib/api/processes";
import { errorResponse, jsonOk } from "@/lib/api/respond";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ hash: string }> }) {
  try {
    return jsonOk(await recordUsage((await params).hash, new URL(request.url).searchParams.get("history") === "1"));
  } catch (error) {
    return errorResponse(error);
  }
}
