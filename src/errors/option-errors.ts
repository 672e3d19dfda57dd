import { AllotRangeError, show } from './allot-error.js';

/** An option or numeric argument is out of range (for example a timer interval of 0). */
export class InvalidOptionError extends AllotRangeError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super('ALLOT_INVALID_OPTION', `Invalid ${option}: ${show(value)}. Expected ${expected}.`);
  }
}
