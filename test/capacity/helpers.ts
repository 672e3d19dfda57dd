import type {
  CapacityIncrementEvent,
  CapacityMetricsSnapshot,
  CapacityReconcileEvent,
  CapacityReleaseEvent,
  CapacityResetEvent,
  CapacitySetLimitsEvent,
  CapacityTryAcquireAcceptedEvent,
  CapacityTryAcquireRejectedEvent,
  ICapacityMetricsCollector,
} from '../../src/metrics/types.js';

type Recorded =
  | ['accepted', CapacityTryAcquireAcceptedEvent]
  | ['rejected', CapacityTryAcquireRejectedEvent]
  | ['release', CapacityReleaseEvent]
  | ['reset', CapacityResetEvent]
  | ['increment', CapacityIncrementEvent]
  | ['setLimits', CapacitySetLimitsEvent]
  | ['reconcile', CapacityReconcileEvent];

/** A collector that records every event, for asserting what a source emits. */
export class RecordingCollector implements ICapacityMetricsCollector {
  readonly events: Recorded[] = [];

  onTryAcquireAccepted(e: CapacityTryAcquireAcceptedEvent): void {
    this.events.push(['accepted', e]);
  }
  onTryAcquireRejected(e: CapacityTryAcquireRejectedEvent): void {
    this.events.push(['rejected', e]);
  }
  onRelease(e: CapacityReleaseEvent): void {
    this.events.push(['release', e]);
  }
  onReset(e: CapacityResetEvent): void {
    this.events.push(['reset', e]);
  }
  onIncrement(e: CapacityIncrementEvent): void {
    this.events.push(['increment', e]);
  }
  onSetLimits(e: CapacitySetLimitsEvent): void {
    this.events.push(['setLimits', e]);
  }
  onReconcile(e: CapacityReconcileEvent): void {
    this.events.push(['reconcile', e]);
  }
  snapshot(): CapacityMetricsSnapshot {
    throw new Error('not used in these tests');
  }

  /** Event kinds in order. */
  kinds(): string[] {
    return this.events.map(([kind]) => kind);
  }

  /** Acquired minus released per resource (corrections included), as a collector would count in flight. */
  inFlight(): Record<string, number> {
    const out: Record<string, number> = {};
    const add = (amounts: Readonly<Record<string, number>>, sign: 1 | -1) => {
      for (const [k, v] of Object.entries(amounts))
        out[k] = Math.round(((out[k] ?? 0) + sign * v) * 1e6) / 1e6;
    };
    for (const [kind, e] of this.events) {
      if (kind === 'accepted') add(e.requested, 1);
      else if (kind === 'release') add(e.released, -1);
      else if (kind === 'reconcile') {
        add(e.actual, 1);
        add(e.estimated, -1);
      }
    }
    return out;
  }
}
