import type { Device } from '@gridproof/registry';
import type { LedgerDevice } from './ledger-input';

/**
 * The ledger's view of a registry device. The rated PV power comes from `metadata.ratedPowerW`
 * (watts peak): the registry has no typed attribute for it yet. `keys` defaults to the device's
 * current key, valid since its creation; pass the key history (libs/registry
 * device-key-history) when keys were rotated during the epoch.
 */
export function ledgerDeviceOf(device: Pick<Device, 'id' | 'type' | 'owner' | 'site' | 'metadata' | 'publicKey' | 'createdAt'>, keys?: LedgerDevice['keys']): LedgerDevice {
  const rated = device.metadata.ratedPowerW;
  return {
    id: device.id,
    type: device.type,
    owner: device.owner ? device.owner.toLowerCase() : null,
    site: { id: device.site.id, lat: device.site.lat, lon: device.site.lon },
    ratedPowerW: typeof rated === 'number' && Number.isFinite(rated) && rated > 0 ? rated : null,
    keys: keys ?? (device.publicKey ? [{ publicKey: device.publicKey, fromMs: Date.parse(device.createdAt) }] : []),
  };
}
