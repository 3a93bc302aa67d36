import { fleetOutputLine } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ host: string; hash: string }> }) {
  const { host, hash } = await params;
  return fleetOutputLine(request, host, hash);
}
