import type { ICruiseResult } from 'dependency-cruiser';

/** folder → folder it imports → one module import that makes the edge (to say why, when it is a cycle). */
export type FolderGraph = Map<string, Map<string, string>>;

/**
 * The folder-level import graph of the modules under `root` (e.g. `src`): `src/ingress/x.ts`
 * importing `src/envelope/y.ts` is the edge ingress → envelope. Imports within a folder and
 * imports leaving `root` (packages, built-ins) are not edges.
 */
export function folderGraph(result: ICruiseResult, root: string): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const module of result.modules) {
    const from = folderOf(module.source, root);
    if (from === undefined) continue;
    if (!graph.has(from)) graph.set(from, new Map());
    for (const dependency of module.dependencies) {
      const to = folderOf(dependency.resolved, root);
      if (to === undefined || to === from || graph.get(from)!.has(to)) continue;
      graph.get(from)!.set(to, `${module.source} → ${dependency.resolved}`);
    }
  }
  return graph;
}

function folderOf(file: string, root: string): string | undefined {
  const parts = file.split('/');
  return parts[0] === root && parts.length > 2 ? parts[1] : undefined;
}

/** A cycle of folders (first folder repeated at the end), or undefined when the graph is acyclic. */
export function findFolderCycle(graph: FolderGraph): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (folder: string): string[] | undefined => {
    const open = path.indexOf(folder);
    if (open >= 0) return [...path.slice(open), folder];
    if (done.has(folder)) return undefined;
    path.push(folder);
    for (const next of [...(graph.get(folder)?.keys() ?? [])].sort()) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(folder);
    return undefined;
  };
  for (const folder of [...graph.keys()].sort()) {
    const cycle = visit(folder);
    if (cycle) return cycle;
  }
  return undefined;
}

/** A cycle as a reader can act on it: each hop with the import that makes it. */
export function describeCycle(graph: FolderGraph, cycle: string[]): string {
  return cycle
    .slice(0, -1)
    .map((from, i) => `  ${from} → ${cycle[i + 1]!}   (${graph.get(from)!.get(cycle[i + 1]!)!})`)
    .join('\n');
}

/** Every folder cycle, as strongly connected components of more than one folder (for a report). */
export function folderCycleGroups(graph: FolderGraph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const groups: string[][] = [];
  const connect = (v: string): void => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) connect(v);
  return groups;
}
