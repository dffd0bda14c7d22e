import type { DeviceType } from '@gridproof/telemetry';
import { credentialsSchema, DeviceCredentials } from './state-file';

/** What the registry needs to provision a device (the body of POST /api/devices). */
export interface ProvisionRequest {
  id: string;
  type: DeviceType;
  site: { id: string; name?: string; lat: number; lon: number };
  metadata?: Record<string, unknown>;
  /** Base64 raw 32-byte Ed25519 public key. */
  publicKey: string;
  requireSignature?: boolean;
}

export type Provisioner = (req: ProvisionRequest) => Promise<DeviceCredentials>;

export class ProvisioningError extends Error {
  override name = 'ProvisioningError';
}

/**
 * Provisions through the registry REST API. When the device already exists (409) and the
 * simulator has no credentials for it, it re-registers the key and metadata (PATCH, key rotation) and
 * rotates the MQTT credentials (POST /api/devices/{id}/credentials).
 */
export function httpProvisioner(apiUrl: string, apiKey: string, fetchImpl: typeof fetch = fetch): Provisioner {
  const base = apiUrl.replace(/\/+$/, '');
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetchImpl(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json, text };
  };
  const credentialsOf = (id: string, json: unknown) => {
    const parsed = credentialsSchema.safeParse((json as { credentials?: unknown } | null)?.credentials);
    if (!parsed.success) throw new ProvisioningError(`registry answered for ${id} without credentials`);
    return parsed.data;
  };
  return async (req) => {
    const created = await call('POST', '/api/devices', req);
    if (created.status === 201 || created.status === 200) return credentialsOf(req.id, created.json);
    if (created.status !== 409) throw new ProvisioningError(`provisioning ${req.id} failed: HTTP ${created.status} ${created.text.slice(0, 300)}`);
    const patched = await call('PATCH', `/api/devices/${encodeURIComponent(req.id)}`, { publicKey: req.publicKey, ...(req.metadata ? { metadata: req.metadata } : {}) });
    if (patched.status >= 300) throw new ProvisioningError(`re-keying ${req.id} failed: HTTP ${patched.status} ${patched.text.slice(0, 300)}`);
    const rotated = await call('POST', `/api/devices/${encodeURIComponent(req.id)}/credentials`);
    if (rotated.status >= 300) throw new ProvisioningError(`rotating credentials of ${req.id} failed: HTTP ${rotated.status} ${rotated.text.slice(0, 300)}`);
    return credentialsOf(req.id, rotated.json);
  };
}
