import { viewerRefused } from "@/lib/api/fleet";

export const dynamic = "force-dynamic";

// Reached only through proxy.ts's rewrite of a viewer's change on a hub (see viewerRefused).
export const POST = viewerRefused;
export const PUT = viewerRefused;
export const PATCH = viewerRefused;
export const DELETE = viewerRefused;
