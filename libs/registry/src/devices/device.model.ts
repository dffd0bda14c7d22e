import type { DeviceType, Family } from '@gridproof/telemetry';

/** A device as the API and CLI show it. Never carries the secret or its hash. */
export interface Device {
  id: string;
  type: DeviceType;
  family: Family;
  name: string | null;
  site: Site;
  metadata: Record<string, unknown>;
  /** EVM wallet address of the owner (DePIN), if any. */
  owner: string | null;
  state: 'active' | 'disabled';
  requireSignature: boolean;
  /** Base64 raw 32-byte Ed25519 public key. */
  publicKey: string | null;
  createdAt: string;
  updatedAt: string;
  lastSeenAt: string | null;
}

export interface Site {
  id: string;
  name: string;
  lat: number;
  lon: number;
}

/** MQTT login of a device. Returned once, at provisioning and at rotation; only a hash is kept. */
export interface MqttCredentials {
  username: string;
  password: string;
  clientId: string;
}

export interface ProvisionedDevice {
  device: Device;
  credentials: MqttCredentials;
}
