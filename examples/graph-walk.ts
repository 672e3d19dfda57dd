/**
 * Walking a dependency graph by hand, without a runner — the state machine every scheduled graph uses.
 *
 * A diamond A → {B, C} → D: start and complete nodes, watch what becomes ready, retry with `fail`, and abort a
 * branch to see the cascade. The documentation's own examples are reproduced at the end (abort of `a` in
 * a → b → {c, d}, and of C in the diamond, where B still completes and the graph still finishes).
 *
 * Run: npm run example -- graph-walk
 */
import { pathToFileURL } from 'node:url';
import { DependencyGraph } from '../src/index.js';
import { recordLines } from './support.js';

export function main(log: (line: string) => void = console.log): string[] {
  const { lines, log: say } = recordLines(log);
  const graph = new DependencyGraph<string>();
  graph.onReady = (key) => say(`  onReady ${key}`);
  graph.onComplete = (key) => say(`  onComplete ${key}`);

  say('add A; B and C after A; D after B and C');
  graph.addNode('A');
  graph.addNode('B', ['A']);
  graph.addNode('C', ['A']);
  graph.addNode('D', ['B', 'C']);
  say(`ready=[${[...graph.ready]}] size=${graph.size} isDone=${graph.isDone}`);

  graph.start('A');
  say(`start A: running=[${[...graph.running]}]`);
  say(`complete A -> newly ready [${graph.complete('A')}]`);

  graph.start('B');
  graph.fail('B');
  say(`B failed once and is ready again: state=${graph.getState('B')}`);
  graph.start('B');
  say(`complete B -> newly ready [${graph.complete('B')}] (D still waits for C)`);
  graph.start('C');
  say(`complete C -> newly ready [${graph.complete('C')}]`);
  graph.start('D');
  graph.complete('D');
  say(`isDone=${graph.isDone} order=[${graph.topologicalSort()}]`);

  const chain = new DependencyGraph<string>();
  chain.addAll(
    new Map([
      ['c', ['b']],
      ['d', ['b']],
      ['b', ['a']],
      ['a', []],
    ]),
  );
  say(`abort a in a -> b -> {c, d}: [${chain.abort('a')}] isDone=${chain.isDone}`);

  const diamond = new DependencyGraph<string>();
  diamond.addNode('A');
  diamond.addNode('B', ['A']);
  diamond.addNode('C', ['A']);
  diamond.addNode('D', ['B', 'C']);
  diamond.start('A');
  diamond.complete('A');
  say(`abort C in the diamond: [${diamond.abort('C')}]`);
  diamond.start('B');
  diamond.complete('B');
  say(`B still completes; isDone=${diamond.isDone}`);
  return lines;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
