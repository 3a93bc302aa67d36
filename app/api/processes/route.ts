import { readJsonBody } from "@/lib/api/body";
import { launchProcess, listProcesses } from "@/lib/api/processes";
import { errorResponse, jsonError, jsonOk } from "@/lib/api/respond";
import { apiListParams } from "@/lib/processes/query-params";
import { roleOf } from "@/lib/auth/role";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const parsed = apiListParams.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success)
    return jsonError(400, `Bad query: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  try {
    return jsonOk(await listProcesses(parsed.data, roleOf(request)));
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
