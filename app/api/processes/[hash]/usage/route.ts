import { codedResponse, errorResponse, jsonOk } from "@/lib/api/respond";
import { processes } from "@/lib/processes/server";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ hash: string }> }) {
  try {
    const history = new URL(request.url).searchParams.get("history") === "1";
    const usage = await processes().usage((await params).hash, { history });
    return usage ? jsonOk(usage) : codedResponse("NOT_FOUND", "No process record with this hash.");
  } catch (error) {
    return errorResponse(error);
  }
}
