import { z } from 'zod';
import { DEVICE_TYPES, FAMILIES } from '@gridproof/telemetry';
import { orNull } from '@gridproof/core';

/**
 * What the API and the CLI show of a device, as zod schemas: the TypeScript types derive from
 * them and the OpenAPI document shows them, so the three cannot drift apart.
 */

export const siteSchema = z.object({
  id: z.string(),
  name: z.string(),
  lat: z.number(),
  lon: z.number(),
});
export type Site = z.infer<typeof siteSchema>;

/** A device. Never carries the secret or its hash. */
export const deviceSchema = z
  .object({
    id: z.string(),
    type: z.enum(DEVICE_TYPES),
    family: z.enum(FAMILIES),
    name: orNull(z.string(), 'display name'),
    site: siteSchema,
    metadata: z.record(z.string(), z.unknown()),
    owner: orNull(z.string(), 'EVM wallet address of the owner (DePIN), if any'),
    state: z.enum(['active', 'disabled']),
    requireSignature: z.boolean(),
    publicKey: orNull(z.string(), 'base64 of the raw 32-byte Ed25519 public key'),
    createdAt: z.string().describe('ISO 8601'),
    updatedAt: z.string().describe('ISO 8601'),
    lastSeenAt: orNull(z.string(), 'ISO 8601; last MQTT activity'),
  });
export type Device = z.infer<typeof deviceSchema>;

/** MQTT login of a device. Returned once, at provisioning and at rotation; only a hash is kept. */
export const mqttCredentialsSchema = z.object({
  username: z.string(),
  password: z.string(),
  clientId: z.string(),
});
export type MqttCredentials = z.infer<typeof mqttCredentialsSchema>;

export const provisionedDeviceSchema = z
  .object({ device: deviceSchema, credentials: mqttCredentialsSchema.describe('shown only this once') });
export type ProvisionedDevice = z.infer<typeof provisionedDeviceSchema>;
