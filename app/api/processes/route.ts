import { refusalText } from "@/lib/validation/errors";
import { readJsonBody } from "@/lib/api/body";
import { launchProcess, listProcesses } from "@/lib/api/processes";
import { codedResponse, errorResponse, jsonOk } from "@/lib/api/respond";
import { apiListParams } from "@/lib/processes/query-params";
import { roleOf } from "@/lib/auth/role";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const { full, ...params } = Object.fromEntries(new URL(request.url).searchParams);
  const parsed = apiListParams.safeParse(params);
  if (!parsed.success) return codedResponse("INVALID", refusalText("Bad query", parsed.error));
  if (full !== undefined && full !== "0" && full !== "1") return codedResponse("INVALID", "Bad query: full: 0 or 1");
  try {
    return jsonOk(await listProcesses(parsed.data, roleOf(request), { full: full === "1" }));
  } catch (error) {
    return errorResponse(error);
  }
}

export async function POST(request: Request) {
  const body = await readJsonBody(request);
  if ("response" in body) return body.response;
  try {
    return jsonOk(await launchProcess(body.value), 201);
  } catch (error) {
    return errorResponse(error);
  }
}
