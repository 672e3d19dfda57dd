import { LeaseLostError } from '../errors/shared-capacity-errors.js';
import type { Lease } from './lease.js';

/** What the keeper needs from its capacity. */
export interface KeeperHost {
  /** Renews `ids` in one call; resolves with the ids the store no longer has, and rejects when unreachable. */
  renew(ids: string[]): Promise<string[]>;
  /** A lease could not be vouched for (lost or past its deadline): the store may be unreachable. */
  fenced(): void;
}

/**
 * Keeps this process's leases alive: one batched renewal per heartbeat, whatever the number of leases, and a
 * fence at the earliest deadline. A lease whose renewal has not landed by its deadline is declared lost and its
 * task told to stop, before the store could give its capacity to anyone else.
 */
export class LeaseKeeper {
  readonly #live = new Map<string, Lease>();
  #heartbeat: NodeJS.Timeout | undefined;
  #fence: NodeJS.Timeout | undefined;
  #fenceAt = Number.POSITIVE_INFINITY;
  #renewing = false;

  constructor(
    readonly host: KeeperHost,
    /** Lease time to live in ms. */
    readonly ttlMs: number,
    /** Heartbeat interval in ms. */
    readonly heartbeatMs: number,
    /** Subtracted from every deadline: room for timer lateness and clock-rate differences. */
    readonly marginMs: number,
  ) {}

  get size(): number {
    return this.#live.size;
  }

  /** Ids of the live leases. */
  ids(): string[] {
    return [...this.#live.keys()];
  }

  /** Starts keeping `lease`, taken by a call sent at local time `sentAt`. */
  add(lease: Lease, sentAt: number): void {
    lease.deadline = sentAt + this.ttlMs - this.marginMs;
    this.#live.set(lease.id, lease);
    if (this.#heartbeat === undefined) {
      this.#heartbeat = setInterval(() => this.#beat(), this.heartbeatMs);
      this.#heartbeat.unref();
    }
    if (lease.deadline < this.#fenceAt) this.#armFence(lease.deadline);
  }

  /** Stops keeping `lease` (it is being given back). */
  remove(lease: Lease): void {
    lease.ended = true;
    this.#live.delete(lease.id);
    if (this.#live.size === 0) this.#stop();
  }

  /** Declares every live lease lost (the capacity is closing); returns them. */
  loseAll(): Lease[] {
    const all = [...this.#live.values()];
    for (const lease of all) this.#lose(lease);
    this.#stop();
    return all;
  }

  #stop(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    if (this.#fence !== undefined) clearTimeout(this.#fence);
    this.#fence = undefined;
    this.#fenceAt = Number.POSITIVE_INFINITY;
  }

  #beat(): void {
    if (this.#renewing || this.#live.size === 0) return;
    this.#renewing = true;
    const sentAt = performance.now();
    const ids = [...this.#live.keys()];
    this.host.renew(ids).then(
      (lost) => {
        this.#renewing = false;
        const gone = new Set(lost);
        const deadline = sentAt + this.ttlMs - this.marginMs;
        for (const id of ids) {
          const lease = this.#live.get(id);
          if (lease === undefined) continue;
          if (gone.has(id)) this.#lose(lease);
          else if (deadline > lease.deadline) lease.deadline = deadline;
        }
        this.#rearm();
      },
      () => {
        // Unreachable: the deadlines stay where they are and the fence decides.
        this.#renewing = false;
      },
    );
  }

  #armFence(at: number): void {
    if (this.#fence !== undefined) clearTimeout(this.#fence);
    this.#fenceAt = at;
    this.#fence = setTimeout(() => this.#check(), Math.max(0, at - performance.now()));
    this.#fence.unref();
  }

  /** Re-arms the fence at the earliest deadline. */
  #rearm(): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const lease of this.#live.values()) if (lease.deadline < earliest) earliest = lease.deadline;
    if (earliest === Number.POSITIVE_INFINITY) this.#stop();
    else this.#armFence(earliest);
  }

  #check(): void {
    this.#fence = undefined;
    this.#fenceAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let fenced = false;
    for (const lease of [...this.#live.values()]) {
      if (lease.deadline <= now) {
        this.#lose(lease);
        fenced = true;
      }
    }
    if (fenced) this.host.fenced();
    this.#rearm();
  }

  #lose(lease: Lease): void {
    this.#live.delete(lease.id);
    if (lease.ended) return;
    lease.ended = true;
    const onLost = lease.onLost;
    lease.onLost = undefined;
    onLost?.(new LeaseLostError(lease.key, lease.id));
  }
}
