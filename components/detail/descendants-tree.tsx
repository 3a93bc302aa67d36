import type { DescendantView } from "@/lib/processes/view";
import { commandLine, formatBytes } from "@/lib/format";

function Node({ node }: { node: DescendantView }) {
  return (
    <li className="py-1">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-0.5 text-sm">
        <span className="font-medium">{node.name}</span>
        <span className="font-mono text-xs text-zinc-500 dark:text-zinc-400">pid {node.pid}</span>
        <span className="tabular-nums text-xs">{node.cpuPercent === null ? "–" : `${node.cpuPercent.toFixed(1)}% CPU`}</span>
        <span className="tabular-nums text-xs">{formatBytes(node.rssBytes)}</span>
      </div>
      <div
        className="truncate font-mono text-xs text-zinc-500 dark:text-zinc-400"
        title={commandLine(node.executable ?? node.name, node.args.slice(1))}
      >
        {node.args.length ? node.args.join(" ") : node.executable}
        {node.cwd ? <span className="ml-2 text-zinc-400">in {node.cwd}</span> : null}
      </div>
      {node.children.length > 0 && (
        <ul className="ml-4 border-l border-zinc-200 pl-3 dark:border-zinc-700">
          {node.children.map((child) => (
            <Node key={child.pid} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function DescendantsTree({ nodes }: { nodes: DescendantView[] }) {
  if (nodes.length === 0) return <p className="text-sm text-zinc-500 dark:text-zinc-400">No child processes.</p>;
  return (
    <ul className="space-y-1" data-testid="descendants">
      {nodes.map((node) => (
        <Node key={node.pid} node={node} />
      ))}
    </ul>
  );
}
