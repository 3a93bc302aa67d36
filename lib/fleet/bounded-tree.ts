import { MAX_INSPECT_NODES } from "./protocol";

/** Levels of a child tree an answer carries (a chain deeper than this is cut, and counted). */
export const MAX_TREE_DEPTH = 24;

/**
 * A record's child tree within MAX_INSPECT_NODES nodes in all and MAX_TREE_DEPTH levels, and how
 * many were left out: what an agent sends and what the hub takes of an answer (a tree of 500
 * children of 500 children each passed the schema's bound per level and made a 10 MB page).
 */
export function boundedTree<T extends { children: T[] }>(nodes: T[]): { descendants: T[]; cut: number } {
  let kept = 0;
  let cut = 0;
  const count = (n: T): number => 1 + n.children.reduce((sum, c) => sum + count(c), 0);
  const take = (list: T[], depth: number): T[] => {
    const out: T[] = [];
    for (const node of list) {
      if (kept >= MAX_INSPECT_NODES || depth >= MAX_TREE_DEPTH) {
        cut += count(node);
        continue;
      }
      kept += 1;
      out.push({ ...node, children: take(node.children, depth + 1) });
    }
    return out;
  };
  return { descendants: take(nodes, 0), cut };
}
