import type { Metadata } from "next";
import Link from "next/link";
import { LaunchForm } from "@/components/launch-form";
import { fleetLaunchAction } from "@/lib/actions/fleet";
import { currentRole } from "@/lib/auth/role";
import { isHub } from "@/lib/fleet/hub/server";
import { getLaunchTargets } from "@/lib/fleet/pages";
import { getLaunchPage } from "@/lib/processes/pages";

export const metadata: Metadata = { title: "Launch" };

type Props = { searchParams: Promise<{ host?: string | string[] }> };

export default async function LaunchPage({ searchParams }: Props) {
  const viewer = (await currentRole()) === "viewer";
  const hub = isHub();
  // A hub's form runs it on a workstation (?host= preselects one, as a host's page links it).
  const asked = (await searchParams).host;
  const host = typeof asked === "string" ? asked : "";
  return (
    <div className="space-y-5">
      <div>
        <Link href={hub ? "/fleet" : "/"} className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
          {hub ? "← Fleet" : "← All processes"}
        </Link>
        <h1 className="mt-1 text-xl font-semibold tracking-tight">Launch a process</h1>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          Its output is captured to a file and it keeps running if the dashboard stops.
        </p>
      </div>
      {viewer ? (
        <p className="rounded-lg border border-dashed border-zinc-300 p-6 text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          This is a read-only session (the viewer token): it cannot launch. Log in with the operator&apos;s token to launch.
        </p>
      ) : hub ? (
        <LaunchForm environment={getLaunchPage()} action={fleetLaunchAction} targets={await getLaunchTargets()} defaults={{ host }} />
      ) : (
        <LaunchForm environment={getLaunchPage()} />
      )}
    </div>
  );
}
