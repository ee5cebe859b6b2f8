import { MongoNetworkError, MongoNetworkTimeoutError, MongoServerError } from 'mongodb';
import { isUnavailableError } from '../src/mongo';

describe('isUnavailableError (503, not 500)', () => {
  // Server-selection errors (MongoDB down at start) are covered against a real dead server in outage.test.ts.
  it('covers driver network errors', () => {
    expect(isUnavailableError(new MongoNetworkError('connection reset'))).toBe(true);
    expect(isUnavailableError(new MongoNetworkTimeoutError('socket timeout'))).toBe(true);
  });

  it('covers socket errors the driver lets through unwrapped (EPIPE after MongoDB died)', () => {
    const epipe = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    expect(isUnavailableError(epipe)).toBe(true);
  });

  it('leaves server-side command errors and bugs as 500', () => {
    expect(isUnavailableError(new MongoServerError({ message: 'E11000 duplicate key', code: 11000 }))).toBe(false);
    expect(isUnavailableError(new TypeError('x is undefined'))).toBe(false);
    expect(isUnavailableError(undefined)).toBe(false);
  });
});
