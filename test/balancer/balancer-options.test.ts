import { describe, expect, it } from 'vitest';
import { HierarchicalBalancer } from '../../src/balancer/hierarchical-balancer.js';
import type { BalancerChildConfig, HierarchicalBalancerOptions } from '../../src/balancer/types.js';
import { InvalidOptionError } from '../../src/errors/option-errors.js';
import { team } from './helpers.js';

function child(min: Record<string, number>, max: Record<string, number>): BalancerChildConfig {
  return { capacity: team(4), min, max };
}

function optionError(fn: () => unknown): InvalidOptionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError');
}

describe('HierarchicalBalancer option validation', () => {
  const badOptions: [string, HierarchicalBalancerOptions][] = [
    ['checkIntervalMs', { checkIntervalMs: 0 }],
    ['checkIntervalMs', { checkIntervalMs: -5 }],
    ['checkIntervalMs', { checkIntervalMs: Number.POSITIVE_INFINITY }],
    ['checkIntervalMs', { checkIntervalMs: Number.NaN }],
    ['checkIntervalMs', { checkIntervalMs: 2 ** 31 }],
    ['idleTimeThresholdMs', { idleTimeThresholdMs: -1 }],
    ['idleTimeThresholdMs', { idleTimeThresholdMs: Number.POSITIVE_INFINITY }],
    ['busyTimeThresholdMs', { busyTimeThresholdMs: Number.NaN }],
    ['idleThreshold', { idleThreshold: -0.1 }],
    ['idleThreshold', { idleThreshold: 1.5, busyThreshold: 1 }],
    ['busyThreshold', { busyThreshold: 1.01 }],
    ['busyThreshold', { busyThreshold: Number.NaN }],
    ['idleThreshold', { idleThreshold: 0.9, busyThreshold: 0.5 }],
    ['increment.gpu', { increment: { gpu: 0 } }],
    ['increment.gpu', { increment: { gpu: -1 } }],
    ['increment.gpu', { increment: { gpu: 0.0000001 } }],
  ];

  it.each(badOptions)('rejects a bad %s with InvalidOptionError naming it', (option, options) => {
    const error = optionError(() => new HierarchicalBalancer([child({ gpu: 1 }, { gpu: 4 })], options));
    expect(error.option).toBe(option);
    expect(error.code).toBe('ALLOT_INVALID_OPTION');
    expect(error.message).toContain(option);
  });

  it('rejects a non-function clock', () => {
    const options = { now: 5 } as unknown as HierarchicalBalancerOptions;
    expect(optionError(() => new HierarchicalBalancer([], options)).option).toBe('now');
  });

  it('accepts the edges: thresholds 0 and 1, idle equal to busy, time thresholds of 0', () => {
    expect(
      () =>
        new HierarchicalBalancer([child({ gpu: 0 }, { gpu: 0 })], {
          idleThreshold: 0.5,
          busyThreshold: 0.5,
          idleTimeThresholdMs: 0,
          busyTimeThresholdMs: 0,
          increment: { gpu: 0.5 },
        }),
    ).not.toThrow();
    expect(() => new HierarchicalBalancer([], { idleThreshold: 0, busyThreshold: 1 })).not.toThrow();
  });

  it('rejects min above max for a key', () => {
    const error = optionError(
      () => new HierarchicalBalancer([child({ gpu: 1 }, { gpu: 4 }), child({ gpu: 5 }, { gpu: 4 })]),
    );
    expect(error.option).toBe('children[1].min.gpu');
  });

  it('rejects negative, non-finite or too precise bounds', () => {
    expect(optionError(() => new HierarchicalBalancer([child({ gpu: -1 }, { gpu: 4 })])).option).toBe(
      'children[0].min.gpu',
    );
    expect(
      optionError(() => new HierarchicalBalancer([child({ gpu: 1 }, { gpu: Number.POSITIVE_INFINITY })]))
        .option,
    ).toBe('children[0].max.gpu');
    expect(optionError(() => new HierarchicalBalancer([child({ gpu: 1 }, { gpu: 1.0000001 })])).option).toBe(
      'children[0].max.gpu',
    );
  });

  it('rejects a missing capacity, missing bounds, and one source listed twice', () => {
    const capacity = team(4);
    const noCapacity = { min: {}, max: {} } as unknown as BalancerChildConfig;
    expect(optionError(() => new HierarchicalBalancer([noCapacity])).option).toBe('children[0].capacity');
    const noMax = { capacity, min: {} } as unknown as BalancerChildConfig;
    expect(optionError(() => new HierarchicalBalancer([noMax])).option).toBe('children[0].max');
    const twice = [
      { capacity, min: {}, max: { gpu: 4 } },
      { capacity, min: {}, max: { gpu: 8 } },
    ];
    expect(optionError(() => new HierarchicalBalancer(twice)).option).toBe('children[1].capacity');
    const notArray = {} as unknown as BalancerChildConfig[];
    expect(optionError(() => new HierarchicalBalancer(notArray)).option).toBe('children');
  });
});
