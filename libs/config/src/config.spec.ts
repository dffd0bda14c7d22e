import { ConfigError, loadConfig, redactConfig } from './config';

describe('loadConfig', () => {
  it('gives loopback defaults and an embedded store when nothing is set', () => {
    const config = loadConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.mqtt.port).toBe(1883);
    expect(config.mqtt.connectTimeoutMs).toBe(5_000);
    expect(config.api.port).toBe(3000);
    expect(config.influx.url).toBeNull();
    expect(config.sql.kind).toBe('pglite');
    expect(config.chain.rpcUrl).toBeNull();
  });

  it('stops with a message naming a bad variable', () => {
    expect(() => loadConfig({ GP_MQTT_PORT: 'eighteen' })).toThrow(/GP_MQTT_PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });

  it('reads the ledger\'s epoch, slot and pool, and refuses an epoch that is not whole slots', () => {
    expect(loadConfig({}).rewards).toEqual({ epochMs: 86_400_000, slotMs: 300_000, poolPerEpoch: '1000000000000000000000' });
    expect(loadConfig({ GP_REWARDS_EPOCH_MS: '3600000', GP_REWARDS_SLOT_MS: '60000', GP_REWARDS_POOL: '5' }).rewards).toEqual({ epochMs: 3_600_000, slotMs: 60_000, poolPerEpoch: '5' });
    expect(() => loadConfig({ GP_REWARDS_EPOCH_MS: '3600000', GP_REWARDS_SLOT_MS: '7000' })).toThrow(/GP_REWARDS_SLOT_MS: the epoch \(3600000 ms\) must be a whole number of slots/);
    expect(() => loadConfig({ GP_REWARDS_POOL: '1e21' })).toThrow(/GP_REWARDS_POOL/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ CHAIN_ID: '', INFLUX_URL: '' }).influx.url).toBeNull();
  });

  it('requires a key with a chain RPC URL', () => {
    expect(() => loadConfig({ CHAIN_RPC_URL: 'http://127.0.0.1:8545' })).toThrow(ConfigError);
    expect(() => loadConfig({ CHAIN_RPC_URL: 'http://127.0.0.1:8545' })).toThrow(/CHAIN_PRIVATE_KEY/);
  });

  it('never shows secrets once redacted', () => {
    const key = '0x' + 'ab'.repeat(32);
    const config = loadConfig({
      CHAIN_RPC_URL: 'http://127.0.0.1:8545',
      CHAIN_PRIVATE_KEY: key,
      DATABASE_URL: 'postgres://gp:s3cret@db:5432/gp',
      INFLUX_PASSWORD: 'hunter2',
    });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain(key);
    expect(shown).not.toContain('s3cret');
    expect(shown).not.toContain('hunter2');
  });
});
