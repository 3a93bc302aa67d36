import { handleCommandResult } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handleCommandResult(request, (await params).id);
}
