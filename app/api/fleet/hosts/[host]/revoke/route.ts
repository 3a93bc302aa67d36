import { revoke } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

export async function POST(_request: Request, { params }: { params: Promise<{ host: string }> }) {
  return revoke((await params).host);
}
