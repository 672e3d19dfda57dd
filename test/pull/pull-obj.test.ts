import { describe, expect, it } from 'vitest';
import { PullObj } from '../../src/pull/pull-obj.js';
import { SourceObj } from '../../src/pull/source-obj.js';
import { deferred, ioTurns, track } from '../support/async.js';

/** Yields the given items; counts how often its body starts and whether its finally ran. */
class ArraySource<T> extends SourceObj<T> {
  starts = 0;
  finalized = 0;
  constructor(private readonly items: T[]) {
    super();
  }
  protected override async *pull_impl(): AsyncGenerator<T, T | undefined, void> {
    this.starts++;
    try {
      for (const item of this.items) yield item;
    } finally {
      this.finalized++;
    }
    return undefined;
  }
}

/** Each item waits for a gate the test opens, so pulls can be held in flight. */
class GatedSource extends SourceObj<number> {
  readonly gates = [deferred(), deferred(), deferred()];
  finalized = 0;
  protected override async *pull_impl(): AsyncGenerator<number, number | undefined, void> {
    try {
      for (let i = 0; i < this.gates.length; i++) {
        await this.gates[i]?.promise;
        yield i;
      }
    } finally {
      this.finalized++;
    }
    return undefined;
  }
}

describe('PullObj end of generator: a source ends for good', () => {
  it('a SourceObj whose pull_impl returns reports done === true, and for await ends', async () => {
    const source = new ArraySource([1, 2]);
    const seen: number[] = [];
    for await (const item of source) seen.push(item);
    expect(seen).toEqual([1, 2]);
    expect(source.done).toBe(true);
  });

  it('does not re-initialise: every later next() resolves { done: true, value: undefined }', async () => {
    const source = new ArraySource(['a']);
    expect(await source.next()).toEqual({ done: false, value: 'a' });
    expect(source.done).toBe(false);
    expect(await source.next()).toEqual({ done: true, value: undefined });
    expect(source.done).toBe(true);
    for (let i = 0; i < 3; i++) expect(await source.next()).toEqual({ done: true, value: undefined });
    expect(source.starts).toBe(1);
  });

  it('passes the value pull_impl returns with the result that ends it', async () => {
    class Returns extends PullObj<number> {
      protected override async *pull_impl(): AsyncGenerator<number, number | undefined, void> {
        yield 1;
        return 99;
      }
    }
    const source = new Returns();
    await source.next();
    expect(await source.next()).toEqual({ done: true, value: 99 });
    expect(await source.next()).toEqual({ done: true, value: undefined });
  });

  it('the default pull_impl yields nothing', async () => {
    const source = new PullObj<number>();
    expect(await source.next()).toEqual({ done: true, value: undefined });
    expect(source.done).toBe(true);
  });

  it('subclass fields set after super() are ready by the first next()', async () => {
    class Fielded extends SourceObj<string> {
      readonly label = 'ready';
      protected override async *pull_impl(): AsyncGenerator<string, string | undefined, void> {
        yield this.label;
        return undefined;
      }
    }
    expect(await new Fielded().next()).toEqual({ done: false, value: 'ready' });
  });

  it('is its own async iterator', () => {
    const source = new ArraySource([1]);
    expect(source[Symbol.asyncIterator]()).toBe(source);
  });

  it('a pull_impl that throws rejects that next(), then the object is done', async () => {
    class Fails extends SourceObj<number> {
      protected override async *pull_impl(): AsyncGenerator<number, number | undefined, void> {
        yield 1;
        throw new Error('boom');
      }
    }
    const source = new Fails();
    await source.next();
    await expect(source.next()).rejects.toThrow('boom');
    expect(source.done).toBe(true);
    expect(await source.next()).toEqual({ done: true, value: undefined });
  });
});

describe('PullObj return and throw', () => {
  it('return() ends the object, runs finally blocks and resolves { done: true, value }', async () => {
    const source = new ArraySource([1, 2, 3]);
    await source.next();
    expect(await source.return(7)).toEqual({ done: true, value: 7 });
    expect(source.done).toBe(true);
    expect(source.finalized).toBe(1);
    expect(await source.next()).toEqual({ done: true, value: undefined });
  });

  it('breaking out of for await returns the source', async () => {
    const source = new ArraySource([1, 2, 3]);
    for await (const item of source) if (item === 1) break;
    expect(source.done).toBe(true);
    expect(source.finalized).toBe(1);
  });

  it('return() before the first next() does not start the body', async () => {
    const source = new ArraySource([1]);
    expect(await source.return()).toEqual({ done: true, value: undefined });
    expect(source.starts).toBe(0);
    expect(await source.next()).toEqual({ done: true, value: undefined });
  });

  it('return() while a pull is in flight lets that pull deliver first', async () => {
    const source = new GatedSource();
    const first = source.next();
    const ret = source.return();
    const later = source.next();
    source.gates[0]?.resolve();
    const order: string[] = [];
    await Promise.all([
      first.then((r) => order.push(`first:${String(r.value)}`)),
      ret.then(() => order.push('return')),
      later.then((r) => order.push(`later:${String(r.done)}`)),
    ]);
    expect(order).toEqual(['first:0', 'return', 'later:true']);
    expect(source.finalized).toBe(1);
  });

  it('throw() that pull_impl does not catch rejects and ends the object', async () => {
    const source = new ArraySource([1, 2]);
    await source.next();
    await expect(source.throw(new Error('stop'))).rejects.toThrow('stop');
    expect(source.done).toBe(true);
    expect(source.finalized).toBe(1);
    expect(await source.next()).toEqual({ done: true, value: undefined });
  });

  it('throw() that pull_impl catches lets it go on, like a generator', async () => {
    class Catches extends SourceObj<string> {
      protected override async *pull_impl(): AsyncGenerator<string, string | undefined, void> {
        try {
          yield 'a';
        } catch {
          yield 'caught';
        }
        yield 'b';
        return undefined;
      }
    }
    const source = new Catches();
    await source.next();
    expect(await source.throw(new Error('x'))).toEqual({ done: false, value: 'caught' });
    expect(source.done).toBe(false);
    expect(await source.next()).toEqual({ done: false, value: 'b' });
  });

  it('throw() on a done object rejects with the error', async () => {
    const source = new ArraySource<number>([]);
    await source.next();
    await expect(source.throw(new Error('late'))).rejects.toThrow('late');
  });
});

describe('PullObj close and closeInterrupt', () => {
  it('close() with nothing in flight: done at once, finally blocks run', async () => {
    const source = new ArraySource([1, 2, 3]);
    await source.next();
    const closed = source.close();
    expect(source.done).toBe(true);
    await closed;
    expect(source.finalized).toBe(1);
    expect(await source.next()).toEqual({ done: true, value: undefined });
  });

  it('close() is graceful: the item being produced is delivered, then the source is done', async () => {
    const source = new GatedSource();
    const inFlight = source.next();
    const closed = track(source.close());
    expect(source.done).toBe(false);
    const after = source.next();
    await ioTurns(1);
    expect(closed.settled).toBe(false);
    source.gates[0]?.resolve();
    expect(await inFlight).toEqual({ done: false, value: 0 });
    expect(await after).toEqual({ done: true, value: undefined });
    await closed.promise;
    expect(source.done).toBe(true);
    expect(source.finalized).toBe(1);
  });

  it('closeInterrupt(): done at once; the generator is returned so its finally blocks run', async () => {
    const source = new ArraySource([1, 2, 3]);
    await source.next();
    const interrupted = source.closeInterrupt();
    expect(source.done).toBe(true);
    expect(await source.next()).toEqual({ done: true, value: undefined });
    await interrupted;
    expect(source.finalized).toBe(1);
  });

  it('closeInterrupt() with a pull in flight: done at once, the in-flight pull settles, then cleanup', async () => {
    const source = new GatedSource();
    const inFlight = source.next();
    const interrupted = source.closeInterrupt();
    expect(source.done).toBe(true);
    source.gates[0]?.resolve();
    expect(await inFlight).toEqual({ done: false, value: 0 });
    await interrupted;
    expect(source.finalized).toBe(1);
  });

  it('a finally block that throws rejects the close promise but is never unhandled', async () => {
    class BadFinally extends SourceObj<number> {
      protected override async *pull_impl(): AsyncGenerator<number, number | undefined, void> {
        try {
          yield 1;
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: the test needs a finally block that throws
          throw new Error('cleanup failed');
        }
      }
    }
    const awaited = new BadFinally();
    await awaited.next();
    await expect(awaited.closeInterrupt()).rejects.toThrow('cleanup failed');
    const ignored = new BadFinally();
    await ignored.next();
    void ignored.close(); // must not raise an unhandled rejection
    await ioTurns(1);
    expect(ignored.done).toBe(true);
  });
});

describe('PullObj concurrent next()', () => {
  it('concurrent calls are served in call order, like an async generator', async () => {
    const source = new GatedSource();
    const order: number[] = [];
    const pulls = [0, 1, 2, 3].map((i) =>
      source.next().then((r) => {
        order.push(i);
        return r;
      }),
    );
    // Open the gates in reverse: results still come in call order.
    source.gates[2]?.resolve();
    source.gates[1]?.resolve();
    await ioTurns(1);
    expect(order).toEqual([]);
    source.gates[0]?.resolve();
    const results = await Promise.all(pulls);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(results).toEqual([
      { done: false, value: 0 },
      { done: false, value: 1 },
      { done: false, value: 2 },
      { done: true, value: undefined },
    ]);
    expect(source.done).toBe(true);
  });

  it('handle_result sees every result before the caller does', async () => {
    const seen: Array<IteratorResult<number, number | undefined>> = [];
    class Spy extends ArraySource<number> {
      protected override handle_result(result: IteratorResult<number, number | undefined>) {
        seen.push(result);
        return super.handle_result(result);
      }
    }
    const source = new Spy([5]);
    await source.next();
    await source.next();
    expect(seen).toEqual([
      { done: false, value: 5 },
      { done: true, value: undefined },
    ]);
    expect(source.done).toBe(true);
  });
});
