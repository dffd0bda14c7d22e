import { maySubscribe, publishChannel } from './device-access';

describe('device topic access', () => {
  describe(publishChannel.name, () => {
    it('allows a device its own telemetry and status topics', () => {
      expect(publishChannel('inv-1', 'gp/v1/devices/inv-1/telemetry')).toBe('telemetry');
      expect(publishChannel('inv-1', 'gp/v1/devices/inv-1/status')).toBe('status');
    });

    it('refuses another device\'s topics, its own broker-to-device topics and anything outside the scheme', () => {
      for (const topic of [
        'gp/v1/devices/inv-2/telemetry',
        'gp/v1/devices/inv-1/errors',
        'gp/v1/devices/inv-1/commands',
        'gp/v1/devices/inv-1/telemetry/extra',
        'gp/v2/devices/inv-1/telemetry',
        'gp/v1/sites/site-a/alerts',
        '$SYS/broker/heartbeat',
        '',
      ]) {
        expect(publishChannel('inv-1', topic)).toBeNull();
      }
    });
  });

  describe(maySubscribe.name, () => {
    it('allows a device its own errors and commands topics', () => {
      expect(maySubscribe('inv-1', 'gp/v1/devices/inv-1/errors')).toBe(true);
      expect(maySubscribe('inv-1', 'gp/v1/devices/inv-1/commands')).toBe(true);
    });

    it('refuses wildcards, other devices and its own publish topics', () => {
      for (const filter of ['#', '+/#', 'gp/v1/devices/+/errors', 'gp/v1/devices/inv-1/#', 'gp/v1/devices/inv-1/+', 'gp/v1/devices/inv-2/errors', 'gp/v1/devices/inv-1/telemetry', 'gp/v1/devices/inv-1/status']) {
        expect(maySubscribe('inv-1', filter)).toBe(false);
      }
    });
  });
});
