import mqtt, { MqttClient } from 'mqtt';
import { METRIC } from '@gridproof/metrics';
import { ApiKeys, REGISTRY_MIGRATIONS } from '@gridproof/registry';
import { SqlStore } from '@gridproof/store';
import { topics } from '@gridproof/telemetry';
import { Cleanups } from '@gridproof/testing';
import { CREW_USERNAME } from './device-access';
import { DeviceHooks } from './device-hooks';
import { once, refusedConnack, startTestBroker, TestBroker } from './testing/broker-test-kit';

/** Issue #13, finding 7: the site alert topic "for crew apps" had no login that could subscribe to it. */
describe(`${DeviceHooks.name}: crew apps`, () => {
  const cleanups = new Cleanups();
  let t: TestBroker;
  let keys: Record<'crew' | 'operator' | 'auditor', string>;
  let apiKeys: ApiKeys;
  let store: SqlStore;

  beforeAll(async () => {
    store = await SqlStore.open({ kind: 'pglite', dir: null });
    cleanups.add(() => store.close());
    await store.migrate(REGISTRY_MIGRATIONS);
    apiKeys = new ApiKeys(store);
    cleanups.add(() => apiKeys.close());
    keys = {
      crew: (await apiKeys.create({ name: 'north crew tablet', role: 'crew' })).key,
      operator: (await apiKeys.create({ name: 'ops', role: 'operator' })).key,
      auditor: (await apiKeys.create({ name: 'audit', role: 'auditor' })).key,
    };
    t = await startTestBroker(cleanups, { apiKeys });
    t.directory.add('inv-1', 'secret-1', 'pv-inverter', 'site-a');
  });
  afterAll(() => cleanups.run());

  async function crewClient(key: string, clientId = 'crew:tablet-1'): Promise<MqttClient> {
    const client = await mqtt.connectAsync(t.tcpUrl, { clientId, username: CREW_USERNAME, password: key, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000 });
    cleanups.add(() => client.endAsync(true));
    return client;
  }

  it('lets a crew key follow the alerts of a site and of every site, over a real MQTT client', async () => {
    const client = await crewClient(keys.crew);
    const granted = await client.subscribeAsync([topics.siteAlerts('site-a'), 'gp/v1/sites/+/alerts'], { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1, 1]);
    const got = once<[string, Buffer]>(client, 'message');
    await t.broker.publish(topics.siteAlerts('site-b'), JSON.stringify({ status: 'firing', alerts: [] }));
    const [topic, body] = await got;
    expect(topic).toBe(topics.siteAlerts('site-b'));
    expect(JSON.parse(body.toString()).status).toBe('firing');
    // A crew app is not a device: nothing counts it online.
    expect(t.broker.onlineDevices()).toEqual([]);
  });

  it('lets a site-scoped crew key follow its own sites only: no other site, no wildcard', async () => {
    const scoped = (await apiKeys.create({ name: 'north crew', role: 'crew', sites: ['site-a'] })).key;
    const client = await crewClient(scoped, 'crew:north-1');
    const qosOf = (filter: string) => client.subscribeAsync(filter, { qos: 1 }).then((g) => g[0].qos, (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] ?? -1);
    expect(await qosOf(topics.siteAlerts('site-a'))).toBe(1);
    expect(await qosOf(topics.siteAlerts('site-b'))).toBe(128);
    expect(await qosOf('gp/v1/sites/+/alerts')).toBe(128);
  });

  it('refuses every other subscription of a crew app, and closes one that publishes', async () => {
    const client = await crewClient(keys.operator, 'crew:ops-console');
    for (const filter of ['#', 'gp/v1/sites/#', topics.errors('inv-1'), topics.telemetry('inv-1'), 'gp/v1/sites/site-a/+']) {
      const granted = await client.subscribeAsync(filter, { qos: 1 }).catch((err: { packet?: { granted?: number[] } }) => [{ qos: err.packet?.granted?.[0] ?? -1 }]);
      expect([filter, granted[0].qos]).toEqual([filter, 128]);
    }
    const closed = once(client, 'close');
    client.publish(topics.siteAlerts('site-a'), 'forged alert', { qos: 1 });
    await closed;
    expect(await t.metric(METRIC.mqttAuthFailures, { reason: 'topic_denied' })).toBeGreaterThanOrEqual(1);
  });

  it('refuses an auditor key, a wrong key, a revoked key and a client id that is not crew:<name>', async () => {
    expect(await refusedConnack(t.tcpUrl, { clientId: 'crew:a', username: CREW_USERNAME, password: keys.auditor })).toBe(5);
    expect(await refusedConnack(t.tcpUrl, { clientId: 'crew:b', username: CREW_USERNAME, password: keys.crew.slice(0, -2) + 'xx' })).toBe(4);
    // A crew app may not take a device's session over by using its id as client id.
    expect(await refusedConnack(t.tcpUrl, { clientId: 'inv-1', username: CREW_USERNAME, password: keys.crew })).toBe(2);
    const revoked = await apiKeys.create({ name: 'lost tablet', role: 'crew' });
    await apiKeys.revoke(revoked.apiKey.id);
    expect(await refusedConnack(t.tcpUrl, { clientId: 'crew:c', username: CREW_USERNAME, password: revoked.key })).toBe(4);
    expect(t.seen.authFailure).toEqual([]);
  });

  it('ends a crew session at once when its key is revoked, so it stops receiving alerts', async () => {
    const tablet = await apiKeys.create({ name: 'stolen tablet', role: 'crew' });
    const other = await crewClient(keys.crew, 'crew:still-trusted');
    const client = await crewClient(tablet.key, 'crew:stolen');
    await client.subscribeAsync(topics.siteAlerts('site-a'), { qos: 1 });
    const closed = once(client, 'close');
    await apiKeys.revoke(tablet.apiKey.id);
    await closed;
    expect(other.connected).toBe(true);
  });

  it('ends a crew session whose key another GridProof process revoked, at its next check', async () => {
    const rechecking = await startTestBroker(cleanups, { apiKeys, crewKeyRecheckMs: 200 });
    const tablet = await apiKeys.create({ name: 'lost tablet 2', role: 'crew' });
    const client = await mqtt.connectAsync(rechecking.tcpUrl, { clientId: 'crew:lost-2', username: CREW_USERNAME, password: tablet.key, protocolVersion: 4, reconnectPeriod: 0 });
    cleanups.add(() => client.endAsync(true));
    const closed = once(client, 'close');
    // Another process's ApiKeys on the same store: no in-process notification reaches this broker.
    const elsewhere = new ApiKeys(store);
    cleanups.add(() => elsewhere.close());
    await elsewhere.revoke(tablet.apiKey.id);
    await closed;
  });
});
