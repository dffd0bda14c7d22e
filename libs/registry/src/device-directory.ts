import type { DeviceType, Family } from '@gridproof/telemetry';

/**
 * What the broker and ingest need from the device registry: the port between them. The
 * registry implements it over the SQL store; broker tests may implement it in memory.
 */
export interface RegisteredDevice {
  id: string;
  type: DeviceType;
  family: Family;
  site: string;
  state: 'active' | 'disabled';
  /** Base64 raw 32-byte Ed25519 public key; null when the device has none registered. */
  publicKey: string | null;
  /** Whether every telemetry message must carry a valid signature (default true). */
  requireSignature: boolean;
}

/** The identity of a device that pipeline events carry (events' DeviceRef): one spelling for broker and ingest. */
export function toDeviceRef(device: RegisteredDevice): Pick<RegisteredDevice, 'id' | 'type' | 'family' | 'site'> {
  return { id: device.id, type: device.type, family: device.family, site: device.site };
}

export interface DeviceDirectory {
  /** The device when the password matches its MQTT secret and it is active; null otherwise. */
  authenticate(deviceId: string, password: string): Promise<AuthenticationResult>;
  find(deviceId: string): Promise<RegisteredDevice | null>;
  /** Notified when a device is disabled, deleted or its key or credentials change. */
  onChange(listener: (deviceId: string) => void): () => void;
  /** Records that the device was seen; cheap, batched by the implementation. */
  touchLastSeen(deviceId: string, at: number): void;
}

export type AuthenticationResult =
  | { ok: true; device: RegisteredDevice }
  | { ok: false; reason: 'unknown_device' | 'bad_credentials' | 'disabled' };
