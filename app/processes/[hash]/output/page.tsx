import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { OutputViewer } from "@/components/output/output-viewer";
import { UnavailableNotice } from "@/components/unavailable-notice";
import { getOutputPage, isUnavailable } from "@/lib/processes/pages";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ hash: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const data = await getOutputPage((await params).hash);
  if (isUnavailable(data)) return { title: "Registry unavailable" };
  return { title: data ? `Output of ${data.name || "unnamed"}${data.pid !== null ? ` (pid ${data.pid})` : ""}` : "Process not found" };
}

export default async function OutputPage({ params }: Props) {
  const data = await getOutputPage((await params).hash);
  if (isUnavailable(data)) return <UnavailableNotice state={data} />;
  if (!data) notFound();
  if (!data.tail) {
    return (
      <div className="mx-auto max-w-2xl space-y-4 py-10" data-testid="output-missing">
        <Link href={`/processes/${data.hash}`} className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
          ← {data.name}
        </Link>
        <h1 className="text-xl font-semibold">No output to show</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {data.outputFile
            ? `The output file ${data.outputFile} does not exist: it was deleted, or the process never wrote it.`
            : "This record names no output file (the launcher that started it did not capture output)."}
        </p>
      </div>
    );
  }
  return <OutputViewer hash={data.hash} name={data.name} running={data.running} initial={data.tail} />;
}
