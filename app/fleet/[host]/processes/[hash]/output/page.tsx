import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { NotAHub } from "@/components/fleet/not-a-hub";
import { OutputViewer } from "@/components/output/output-viewer";
import { isHub } from "@/lib/fleet/hub/server";
import { getFleetOutputPage } from "@/lib/fleet/pages";
import { isAlive } from "@/lib/processes/status";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ host: string; hash: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { host, hash } = await params;
  return { title: `Output of ${hash.slice(0, 12)} on ${host}` };
}

/** A remote record's output in the full viewer (ranges, follow, search), read through the host's agent. */
export default async function FleetOutputPage({ params }: Props) {
  if (!isHub()) return <NotAHub />;
  const { host, hash } = await params;
  const data = await getFleetOutputPage(host, hash);
  if (!data) notFound();
  const { detail } = data;
  const detailHref = `/fleet/${detail.host.name}/processes/${hash}`;
  if (!data.tail) {
    return (
      <div className="mx-auto max-w-2xl space-y-4 py-10" data-testid="output-missing">
        <Link href={detailHref} className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
          ← {detail.process.name} on {detail.host.name}
        </Link>
        <h1 className="text-xl font-semibold">No output to show</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">{data.problem}</p>
      </div>
    );
  }
  return (
    <OutputViewer
      hash={hash}
      name={`${detail.process.name} on ${detail.host.name}`}
      running={isAlive(detail.process)}
      initial={data.tail}
      api={`/api/fleet/hosts/${detail.host.name}/processes/${hash}`}
      detailHref={detailHref}
      download={false}
    />
  );
}
