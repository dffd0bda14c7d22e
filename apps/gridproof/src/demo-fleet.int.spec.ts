import { DeviceRegistry, REGISTRY_MIGRATIONS } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { generateDeviceKeyPair } from '@gridproof/telemetry';
import { registryProvisioner } from './demo-fleet';

describe(registryProvisioner.name, () => {
  let store: SqlStore;
  let registry: DeviceRegistry;

  beforeAll(async () => {
    store = await SqlStore.open({ kind: 'pglite', dir: null });
    await store.migrate(REGISTRY_MIGRATIONS);
    registry = new DeviceRegistry(store, { lastSeenFlushMs: 3_600_000 });
  });
  afterAll(async () => {
    await registry.close();
    await store.close();
  });

  it("re-keys a device registered by an earlier run and sets the fleet file's nameplate on it", async () => {
    const site = { id: 'demo-site', lat: 48, lon: 7.8 };
    // An earlier run (before nameplates were registered) left the inverter without one.
    await registry.provision({ id: 'inv-demo-1', type: 'pv-inverter', site, publicKey: generateDeviceKeyPair().publicKey });
    const provision = registryProvisioner(registry);
    const key = generateDeviceKeyPair().publicKey;
    const credentials = await provision({ id: 'inv-demo-1', type: 'pv-inverter', site, publicKey: key, metadata: { rated_power_kwp: 36 } });
    expect(credentials.username).toBe('inv-demo-1');
    expect(await registry.get('inv-demo-1')).toMatchObject({ publicKey: key, metadata: { rated_power_kwp: 36 } });
  });
});
