import { fleetAction, fleetProcessJson } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ host: string; hash: string }> }) {
  const { host, hash } = await params;
  return fleetProcessJson(host, hash);
}

export async function DELETE(request: Request, { params }: { params: Promise<{ host: string; hash: string }> }) {
  const { host, hash } = await params;
  return fleetAction(request, host, hash, "delete");
}
