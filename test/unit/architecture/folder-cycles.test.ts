import assert from 'node:assert/strict';
import test from 'node:test';
import { cruiseDependencies } from '../../support/cruise-dependencies.js';
import { describeCycle, findFolderCycle, folderCycleGroups, folderGraph, type FolderGraph } from '../../support/folder-graph.js';

// Folders of the app depend one way (docs/architecture.md): types shared by several parts live in
// a leaf module, so no folder reaches itself through its imports (type-only imports included).
test('the folders of src/ import each other without a cycle', async () => {
  const graph = folderGraph(await cruiseDependencies(['src']), 'src');
  assert.ok(graph.size >= 10, `expected the folders of src/, found ${[...graph.keys()].join(', ')}`);
  const cycle = findFolderCycle(graph);
  assert.equal(
    cycle,
    undefined,
    cycle &&
      `src/ folders import each other in a cycle (${cycle.join(' → ')}):\n${describeCycle(graph, cycle)}\n` +
        `all cyclic groups: ${folderCycleGroups(graph)
          .map((g) => g.join(' ↔ '))
          .join('; ')}`,
  );
});

test('a folder cycle is found and named hop by hop', () => {
  const graph: FolderGraph = new Map<string, Map<string, string>>([
    ['app', new Map([['ingress', 'src/app/a.ts → src/ingress/b.ts']])],
    [
      'ingress',
      new Map([
        ['envelope', 'src/ingress/b.ts → src/envelope/c.ts'],
        ['app', 'src/ingress/d.ts → src/app/e.ts'],
      ]),
    ],
    ['envelope', new Map()],
  ]);
  const cycle = findFolderCycle(graph);
  assert.deepEqual(cycle, ['app', 'ingress', 'app']);
  assert.match(describeCycle(graph, cycle), /ingress → app {3}\(src\/ingress\/d\.ts → src\/app\/e\.ts\)/);
  assert.deepEqual(folderCycleGroups(graph), [['app', 'ingress']]);
  graph.get('ingress')!.delete('app');
  assert.equal(findFolderCycle(graph), undefined);
});
