import { ledgerDeviceOf } from './device-snapshot';

describe(ledgerDeviceOf.name, () => {
  const base = {
    id: 'inv-1',
    type: 'pv-inverter' as const,
    owner: '0x' + 'AB'.repeat(20),
    site: { id: 's', name: 's', lat: 52.5, lon: 13.4 },
    publicKey: 'A'.repeat(43) + '=',
    createdAt: '2026-06-01T00:00:00.000Z',
  };

  it("takes the array's registered rated_power_kwp, the owner in lower case and the current key since creation", () => {
    const d = ledgerDeviceOf({ ...base, metadata: { rated_power_kwp: 36.5 } });
    expect(d).toMatchObject({ ratedKwp: 36.5, owner: '0x' + 'ab'.repeat(20), keys: [{ publicKey: base.publicKey, fromMs: Date.parse(base.createdAt) }] });
  });

  it("never pays against the catalogue's default: an unregistered or implausible rating is null", () => {
    expect(ledgerDeviceOf({ ...base, metadata: {} }).ratedKwp).toBeNull();
    expect(ledgerDeviceOf({ ...base, metadata: { rated_power_kwp: '36 kWp' } }).ratedKwp).toBeNull();
    expect(ledgerDeviceOf({ ...base, metadata: { rated_power_kwp: 0 } }).ratedKwp).toBeNull();
  });
});
