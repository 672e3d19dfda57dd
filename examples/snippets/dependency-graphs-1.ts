import { DependencyGraph, InvalidStateError } from '../../src/index.js';

// One video: download, then transcode and caption side by side, then publish.
const graph = new DependencyGraph<string>();
graph.onReady = (key) => console.log('ready:', key);
graph.addAll(
  new Map([
    ['publish', ['transcode', 'caption']], // map order does not matter
    ['transcode', ['download']],
    ['caption', ['download']],
    ['download', []],
  ]),
);

graph.start('download');
console.log('freed:', graph.complete('download'));

graph.start('transcode');
graph.fail('transcode'); // the encoder crashed: back to ready, to be retried
console.log('transcode is', graph.getState('transcode'));

graph.start('caption');
console.log('aborted:', graph.abort('caption')); // publish can never run now
try {
  graph.complete('caption'); // the captioner returns after all
} catch (error) {
  if (error instanceof InvalidStateError) console.log(error.code);
}

graph.start('transcode');
graph.complete('transcode');
console.log(graph.isDone, [...graph.completed], [...graph.aborted]);
