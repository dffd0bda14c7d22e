import { existsSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { apiClientFor, CliIo, parseNumberOption, processIo, table, withApiOptions } from '@gridproof/api-client';
import { DEVICE_TYPES, FAMILIES, generateDeviceKeyPair } from '@gridproof/telemetry';
import type { Device, MqttCredentials, ProvisionDeviceInput, ProvisionedDevice, UpdateDeviceInput } from '@gridproof/registry';

interface AddOptions {
  id: string;
  type: string;
  site: string;
  siteName?: string;
  lat: number;
  lon: number;
  name?: string;
  owner?: string;
  metadata?: Record<string, unknown>;
  publicKey?: string;
  generateKey?: boolean;
  keyOut?: string;
  signature: boolean;
  json?: boolean;
}

interface UpdateOptions {
  site?: string;
  lat?: number;
  lon?: number;
  siteName?: string;
  name?: string;
  owner?: string;
  metadata?: Record<string, unknown>;
  publicKey?: string;
  signature?: 'required' | 'optional';
  json?: boolean;
}

/**
 * --site, --lat, --lon and --site-name: required when a device is added; optional when one is
 * updated, where a site change needs the first three together (checked in the action).
 */
function withSiteOptions(command: Command, need: 'required' | 'optional'): Command {
  const required = need === 'required';
  const withSite = required ? '' : ' (with --site)';
  const add = (o: Option) => command.addOption(required ? o.makeOptionMandatory() : o);
  add(new Option('--site <site>', required ? 'site id (created or updated)' : 'site id (created, or updated with --lat/--lon/--site-name)'));
  add(new Option('--lat <lat>', `site latitude${withSite}`).argParser(parseNumberOption));
  add(new Option('--lon <lon>', `site longitude${withSite}`).argParser(parseNumberOption));
  return command.addOption(new Option('--site-name <name>', `site display name${withSite}`));
}

function siteInput(o: { site: string; lat: number; lon: number; siteName?: string }): ProvisionDeviceInput['site'] {
  return { id: o.site, lat: o.lat, lon: o.lon, ...(o.siteName ? { name: o.siteName } : {}) };
}

/** `gridproof devices ...`: provisioning and life cycle of devices through the REST API. */
export function registerDeviceCommands(program: Command, io: CliIo = processIo): Command {
  const devices = program.command('devices').description('provision and manage devices (through the GridProof API)');
  const path = (id: string) => `/api/devices/${encodeURIComponent(id)}`;

  withSiteOptions(
    withApiOptions(devices.command('add'))
      .description('provision a device; prints its MQTT credentials (shown only once)')
      .requiredOption('--id <id>', 'device id (letters, digits, "_", "." or "-")')
      .addOption(new Option('--type <type>', 'device type').choices(DEVICE_TYPES).makeOptionMandatory()),
    'required',
  )
    .option('--name <name>', 'device display name')
    .option('--owner <address>', 'owner wallet address (0x + 40 hex)')
    .option('--metadata <json>', 'metadata as a JSON object', parseJsonObject)
    .option('--public-key <base64>', "the device's Ed25519 public key (base64 of the raw 32 bytes)")
    .option('--generate-key', 'generate an Ed25519 key pair; prints the private key once (and writes it to --key-out)')
    .option('--key-out <file>', 'with --generate-key: write the private key to this new file (mode 0600)')
    .option('--no-signature', 'the device need not sign its telemetry (not recommended)')
    .option('--json', 'print JSON')
    .action(async (options: AddOptions, command: Command) => {
      if (options.generateKey && options.publicKey) command.error('error: use either --public-key or --generate-key');
      if (options.keyOut && !options.generateKey) command.error('error: --key-out needs --generate-key');
      if (options.keyOut && existsSync(options.keyOut)) command.error(`error: ${options.keyOut} exists; not overwriting a key file`);
      const keyPair = options.generateKey ? generateDeviceKeyPair() : null;
      const input: ProvisionDeviceInput = {
        id: options.id,
        type: options.type as ProvisionDeviceInput['type'],
        site: siteInput(options),
        requireSignature: options.signature,
        ...(options.name ? { name: options.name } : {}),
        ...(options.owner ? { owner: options.owner } : {}),
        ...(options.metadata ? { metadata: options.metadata } : {}),
        ...(keyPair || options.publicKey ? { publicKey: keyPair?.publicKey ?? options.publicKey } : {}),
      };
      const result = await apiClientFor(command).post<ProvisionedDevice>('/api/devices', input);
      if (keyPair && options.keyOut) writeFileSync(options.keyOut, `${keyPair.privateKey}\n`, { mode: 0o600, flag: 'wx' });
      if (options.json) {
        io.out(JSON.stringify({ ...result, ...(keyPair ? { privateKey: keyPair.privateKey } : {}) }, null, 2));
        return;
      }
      io.out(`device ${result.device.id} (${result.device.type}) provisioned at site ${result.device.site.id}`);
      io.out(credentialsText(result.credentials));
      if (keyPair) {
        io.out(`Ed25519 private key (shown only once${options.keyOut ? `, written to ${options.keyOut}` : ''}):\n  ${keyPair.privateKey}`);
        io.out(`Ed25519 public key:\n  ${keyPair.publicKey}`);
      }
    });

  withApiOptions(devices.command('list'))
    .description('list devices')
    .addOption(new Option('--type <type>', 'only this type').choices(DEVICE_TYPES))
    .addOption(new Option('--family <family>', 'only this family').choices(FAMILIES))
    .option('--site <site>', 'only this site')
    .addOption(new Option('--state <state>', 'only this state').choices(['active', 'disabled']))
    .option('--json', 'print JSON')
    .action(async (options: { type?: string; family?: string; site?: string; state?: string; json?: boolean }, command: Command) => {
      const list = await apiClientFor(command).get<Device[]>('/api/devices', { type: options.type, family: options.family, site: options.site, state: options.state });
      if (options.json) {
        io.out(JSON.stringify(list, null, 2));
        return;
      }
      if (!list.length) {
        io.out('no devices');
        return;
      }
      io.out(table(['ID', 'TYPE', 'SITE', 'STATE', 'SIGNED', 'LAST SEEN'], list.map((d) => [d.id, d.type, d.site.id, d.state, d.requireSignature ? 'yes' : 'no', d.lastSeenAt ?? '-'])));
    });

  withApiOptions(devices.command('show').argument('<id>', 'device id'))
    .description('show one device as JSON')
    .action(async (id: string, _options: unknown, command: Command) => {
      io.out(JSON.stringify(await apiClientFor(command).get<Device>(path(id)), null, 2));
    });

  withSiteOptions(
    withApiOptions(devices.command('update').argument('<id>', 'device id')).description(
      'change a device: move it to a site (or move its site), rename it, set its owner, metadata, key or signature policy',
    ),
    'optional',
  )
    .option('--name <name>', 'device display name')
    .option('--owner <address>', 'owner wallet address (0x + 40 hex)')
    .option('--metadata <json>', 'metadata as a JSON object (replaces the current one)', parseJsonObject)
    .option('--public-key <base64>', "the device's new Ed25519 public key (key rotation)")
    .addOption(new Option('--signature <policy>', 'whether the device must sign its telemetry').choices(['required', 'optional']))
    .option('--json', 'print JSON')
    .action(async (id: string, options: UpdateOptions, command: Command) => {
      const siteGiven = options.site !== undefined || options.lat !== undefined || options.lon !== undefined || options.siteName !== undefined;
      if (siteGiven && (options.site === undefined || options.lat === undefined || options.lon === undefined)) {
        command.error('error: a site change needs --site, --lat and --lon together');
      }
      const input: UpdateDeviceInput = {
        ...(options.site !== undefined ? { site: siteInput({ site: options.site, lat: options.lat!, lon: options.lon!, siteName: options.siteName }) } : {}),
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(options.owner !== undefined ? { owner: options.owner } : {}),
        ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
        ...(options.publicKey !== undefined ? { publicKey: options.publicKey } : {}),
        ...(options.signature !== undefined ? { requireSignature: options.signature === 'required' } : {}),
      };
      if (Object.keys(input).length === 0) command.error('error: nothing to change; see gridproof devices update --help');
      const device = await apiClientFor(command).patch<Device>(path(id), input);
      if (options.json) {
        io.out(JSON.stringify(device, null, 2));
        return;
      }
      io.out(`device ${device.id} updated: site ${device.site.id} (${device.site.lat}, ${device.site.lon}), signature ${device.requireSignature ? 'required' : 'optional'}`);
    });

  withApiOptions(devices.command('disable').argument('<id>', 'device id'))
    .description('disable a device: its MQTT connection is dropped and new ones are refused')
    .action(async (id: string, _options: unknown, command: Command) => {
      const device = await apiClientFor(command).post<Device>(`${path(id)}/disable`);
      io.out(`device ${device.id} ${device.state}`);
    });

  withApiOptions(devices.command('enable').argument('<id>', 'device id'))
    .description('enable a disabled device')
    .action(async (id: string, _options: unknown, command: Command) => {
      const device = await apiClientFor(command).post<Device>(`${path(id)}/enable`);
      io.out(`device ${device.id} ${device.state}`);
    });

  withApiOptions(devices.command('rotate-credentials').argument('<id>', 'device id'))
    .description('issue a new MQTT password (shown only once); the old one stops working')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const result = await apiClientFor(command).post<ProvisionedDevice>(`${path(id)}/credentials`);
      io.out(options.json ? JSON.stringify(result, null, 2) : credentialsText(result.credentials));
    });

  withApiOptions(devices.command('delete').argument('<id>', 'device id'))
    .description('delete a device (its stored telemetry is kept)')
    .action(async (id: string, _options: unknown, command: Command) => {
      await apiClientFor(command).delete(path(id));
      io.out(`device ${id} deleted`);
    });

  return devices;
}

function credentialsText(c: MqttCredentials): string {
  return `MQTT credentials (shown only once, store them now):\n  username  ${c.username}\n  password  ${c.password}\n  clientId  ${c.clientId}`;
}

function parseJsonObject(value: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('must be a JSON object, e.g. \'{"chargePoint":"cp-1"}\'');
}
