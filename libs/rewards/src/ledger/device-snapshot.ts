import type { Device } from '@gridproof/registry';
import { deviceAttributes } from '@gridproof/telemetry';
import type { LedgerDevice } from './ledger-input';

/**
 * The ledger's view of a registry device. The PV array's rated power is the catalogue's
 * nameplate attribute `rated_power_kwp`, only when registered (valid) in the metadata; never its
 * default (see LedgerDevice.ratedKwp). `keys` defaults to the device's
 * current key, valid since its creation; pass the key history (libs/registry
 * device-key-history) when keys were rotated during the epoch.
 */
export function ledgerDeviceOf(device: Pick<Device, 'id' | 'type' | 'owner' | 'site' | 'metadata' | 'publicKey' | 'createdAt'>, keys?: LedgerDevice['keys']): LedgerDevice {
  const registered = device.metadata.rated_power_kwp !== undefined && device.metadata.rated_power_kwp !== null;
  const attributes = deviceAttributes(device.type, device.metadata);
  const rated = registered && attributes.problems.length === 0 ? attributes.values.rated_power_kwp : undefined;
  return {
    id: device.id,
    type: device.type,
    owner: device.owner ? device.owner.toLowerCase() : null,
    site: { id: device.site.id, lat: device.site.lat, lon: device.site.lon },
    ratedKwp: typeof rated === 'number' ? rated : null,
    keys: keys ?? (device.publicKey ? [{ publicKey: device.publicKey, fromMs: Date.parse(device.createdAt) }] : []),
  };
}
