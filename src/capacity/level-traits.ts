/**
 * What a capacity source subclass changes about its level in a chain. Registered by the subclass's
 * constructor and read when a chain is first resolved (lazily, after every constructor has run). Internal.
 */
export interface LevelTraits {
  /** `release` restores nothing at this level and stops there (a quota). */
  readonly releaseNoop: boolean;
  /** Told whenever the number of runners waiting on this level changes (a quota keeps its timer alive). */
  readonly waitingChanged: ((waiting: number) => void) | undefined;
}

const traits = new WeakMap<object, LevelTraits>();

/** Records `source`'s traits. */
export function setLevelTraits(source: object, t: LevelTraits): void {
  traits.set(source, t);
}

/** The traits of `source`, if its class registered any. */
export function levelTraits(source: object): LevelTraits | undefined {
  return traits.get(source);
}
