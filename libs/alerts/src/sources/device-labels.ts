import type { DeviceRef } from '@gridproof/events';
import type { Labels } from '../model/labels';

export function deviceLabels(device: DeviceRef): Labels {
  return { device: device.id, site: device.site, type: device.type, family: device.family };
}

/**
 * Devices seen on the bus, so that signals naming only a device id (rejections, refused logins)
 * can still carry site/type/family labels for routing.
 */
export class KnownDevices {
  private readonly devices = new Map<string, DeviceRef>();

  remember(device: DeviceRef): void {
    this.devices.set(device.id, device);
  }

  labelsOf(deviceId: string): Labels {
    const ref = this.devices.get(deviceId);
    return ref ? deviceLabels(ref) : { device: deviceId };
  }
}
