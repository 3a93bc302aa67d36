import { fleetUsage } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ host: string; hash: string }> }) {
  const { host, hash } = await params;
  return fleetUsage(request, host, hash);
}
