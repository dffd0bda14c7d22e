import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CoreModule } from '@gridproof/core';
import { loadConfig } from '@gridproof/config';
import { METRIC, Registry } from '@gridproof/metrics';
import { SqlStore } from '@gridproof/store';
import { topics } from '@gridproof/telemetry';
import { Cleanups } from '@gridproof/testing';
import { BrokerModule, BrokerService } from './broker.module';
import { connectDevice, InMemoryDeviceDirectory, RecordingSink } from './testing/broker-test-kit';

describe(BrokerModule.name, () => {
  const cleanups = new Cleanups();
  afterEach(() => cleanups.run());

  it('listens on application bootstrap with the bound directory and sink, and closes on shutdown', async () => {
    const directory = new InMemoryDeviceDirectory();
    directory.add('inv-1', 'secret-1');
    const sink = new RecordingSink();
    @Module({ providers: [{ provide: InMemoryDeviceDirectory, useValue: directory }, { provide: RecordingSink, useValue: sink }], exports: [InMemoryDeviceDirectory, RecordingSink] })
    class FakesModule {}

    const store = await SqlStore.open({ kind: 'pglite', dir: null });
    cleanups.add(() => store.close());
    const config = loadConfig({ GP_MQTT_PORT: '0', GP_MQTT_WS_PORT: '0', GP_LOG_LEVEL: 'error' });
    const app = await Test.createTestingModule({
      imports: [CoreModule.forRoot({ config, store }), BrokerModule.register({ imports: [FakesModule], directory: InMemoryDeviceDirectory, sink: RecordingSink })],
    }).compile();
    app.useLogger(false);
    await app.init();
    let closed = false;
    cleanups.add(() => (closed ? undefined : app.close()));

    const service = app.get(BrokerService);
    const ports = service.ports!;
    expect(service.health()).toMatchObject({ status: 'up' });
    const client = await connectDevice(cleanups, `mqtt://127.0.0.1:${ports.tcp}`, 'inv-1', 'secret-1');
    await client.publishAsync(topics.telemetry('inv-1'), JSON.stringify({ v: 1, device: 'inv-1', ts: Date.now(), seq: 1, readings: { ac_power_w: 1 } }), { qos: 1 });
    expect(sink.of('inv-1')).toHaveLength(1);
    const online = await app.get(Registry).getSingleMetric(METRIC.devicesOnline)!.get();
    expect(online.values[0].value).toBe(1);

    const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await app.close();
    closed = true;
    await clientClosed;
    expect(service.health().status).toBe('down');
  });
});
