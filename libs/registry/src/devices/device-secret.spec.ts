import { generateDeviceSecret, hashDeviceSecret, SCRYPT_PARAMS, verifyDeviceSecret } from './device-secret';

describe('device secrets', () => {
  it('hashes with a fresh salt each time and verifies only the right secret', async () => {
    const secret = generateDeviceSecret();
    const [a, b] = await Promise.all([hashDeviceSecret(secret), hashDeviceSecret(secret)]);
    expect(a).not.toBe(b);
    expect(a.split('$').slice(0, 4)).toEqual(['scrypt', String(SCRYPT_PARAMS.N), String(SCRYPT_PARAMS.r), String(SCRYPT_PARAMS.p)]);
    expect(await verifyDeviceSecret(secret, a)).toBe(true);
    expect(await verifyDeviceSecret(secret, b)).toBe(true);
    expect(await verifyDeviceSecret(generateDeviceSecret(), a)).toBe(false);
  });

  it('verifies with the parameters stored in the hash, so they can be raised later', async () => {
    const secret = generateDeviceSecret();
    const hash = await hashDeviceSecret(secret);
    const [, , , , salt] = hash.split('$');
    const { scryptSync } = await import('node:crypto');
    const cheaper = ['scrypt', 1024, 8, 1, salt, scryptSync(secret, Buffer.from(salt, 'base64'), 32, { N: 1024, r: 8, p: 1 }).toString('base64')].join('$');
    expect(await verifyDeviceSecret(secret, cheaper)).toBe(true);
  });

  it.each([
    ['another scheme', 'bcrypt$2b$10$abc'],
    ['a missing hash', 'scrypt$16384$8$1$AAAA$'],
    ['an N that is not a power of two', 'scrypt$1000$8$1$AAAA$AAAA'],
    ['non-numeric parameters', 'scrypt$x$8$1$AAAA$AAAA'],
  ])('treats %s as a mismatch, never a crash', async (_name, stored) => {
    expect(await verifyDeviceSecret('anything', stored)).toBe(false);
  });
});
