import { DEFAULT_LOGIN_THROTTLE, LoginThrottle } from './login-throttle';

describe(LoginThrottle.name, () => {
  const options = { ...DEFAULT_LOGIN_THROTTLE, freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 8_000, forgetAfterMs: 60_000, maxPendingPerAddress: 2 };

  it('blocks an address after its free failures, doubling the wait up to the maximum', () => {
    const throttle = new LoginThrottle(options);
    for (let i = 0; i < 3; i++) throttle.failed('a', 'dev-1', 0);
    expect(throttle.check('a', 'dev-2', 0)).toBeNull();
    throttle.failed('a', 'dev-1', 0);
    expect(throttle.check('a', 'dev-2', 999)).toBe('address');
    expect(throttle.check('a', 'dev-2', 1_000)).toBeNull();
    for (let i = 0; i < 10; i++) throttle.failed('a', null, 1_000);
    expect(throttle.blockedForS('a', 1_000)).toBe(8);
  });

  it('lets a device in from an address it logged in from before, and other addresses in for a device under attack', () => {
    const throttle = new LoginThrottle(options);
    throttle.succeeded('nat', 'dev-1', 0);
    for (let i = 0; i < 10; i++) throttle.failed('nat', 'dev-1', 0);
    expect(throttle.check('nat', 'dev-1', 1)).toBeNull();
    expect(throttle.check('nat', 'dev-2', 1)).toBe('address');
    // dev-1's id is in backoff, but only for addresses that have failed themselves.
    expect(throttle.check('elsewhere', 'dev-1', 1)).toBeNull();
  });

  it('forgets an address after a quiet period, and bounds logins being checked per address', () => {
    const throttle = new LoginThrottle(options);
    for (let i = 0; i < 10; i++) throttle.failed('a', null, 0);
    expect(throttle.check('a', 'dev-1', 7_000)).toBe('address');
    // Quiet for longer than forgetAfterMs: the count starts over, one failure is free again.
    throttle.failed('a', null, 61_000);
    expect(throttle.check('a', 'dev-1', 61_001)).toBeNull();
    const ends = [throttle.begin('b'), throttle.begin('b')];
    expect(throttle.check('b', 'dev-1')).toBe('address');
    ends[0]();
    ends[0]();
    expect(throttle.check('b', 'dev-1')).toBeNull();
  });

  it('keeps at most maxKeys addresses', () => {
    const throttle = new LoginThrottle({ ...options, maxKeys: 10, freeFailures: 0 });
    for (let i = 0; i < 100; i++) throttle.failed(`addr-${i}`, null, 0);
    expect(throttle.check('addr-0', 'x', 1)).toBeNull();
    expect(throttle.check('addr-99', 'x', 1)).toBe('address');
  });
});
