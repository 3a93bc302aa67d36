import { fleetAction } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ host: string; hash: string }> }) {
  const { host, hash } = await params;
  return fleetAction(request, host, hash, "stop");
}
