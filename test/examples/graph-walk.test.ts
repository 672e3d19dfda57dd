import { describe, expect, it } from 'vitest';
import { main } from '../../examples/graph-walk.js';

describe('graph walk example', () => {
  it('shows readiness, retry and the documented abort cascades', () => {
    const lines = main(() => {});
    expect(lines).toContain('ready=[A] size=4 isDone=false');
    expect(lines).toContain('complete A -> newly ready [B,C]');
    expect(lines).toContain('complete B -> newly ready [] (D still waits for C)');
    expect(lines).toContain('complete C -> newly ready [D]');
    expect(lines).toContain('isDone=true order=[A,B,C,D]');
    expect(lines).toContain('abort a in a -> b -> {c, d}: [a,b,c,d] isDone=true');
    expect(lines).toContain('abort C in the diamond: [C,D]');
    expect(lines).toContain('B still completes; isDone=true');
    // onComplete fires before the onReady calls it causes.
    const a = lines.indexOf('  onComplete A');
    expect(lines.slice(a + 1, a + 3)).toEqual(['  onReady B', '  onReady C']);
  });
});
