import type { Dashboard } from '@grafana/schema';
import { DEVICE_TYPES } from '@gridproof/telemetry';
import { auditDashboard } from './boards/audit';
import { chargingDashboard } from './boards/charging';
import { deviceDashboard } from './boards/device';
import { deviceTypeDashboard } from './boards/device-type';
import { energyDashboard } from './boards/energy';
import { environmentDashboard } from './boards/environment';
import { fleetDashboard } from './boards/fleet';

export { INFLUX_DATASOURCE_UID } from './grafana/datasource';
export { SCHEMA_VERSION } from './grafana/dashgen';

/** Every dashboard GridProof ships, by the file name it is committed under in dashboards/generated. */
export const DASHBOARDS: Record<string, () => Dashboard> = {
  'fleet.json': fleetDashboard,
  'energy.json': energyDashboard,
  'charging.json': chargingDashboard,
  'environment.json': environmentDashboard,
  'device.json': deviceDashboard,
  'audit.json': auditDashboard,
  // One drill-down per catalogue type: a new type gets its dashboard without a line here.
  ...Object.fromEntries(DEVICE_TYPES.map((type) => [`device-${type}.json`, () => deviceTypeDashboard(type)])),
};

/** The committed form: 2-space JSON with a trailing newline, so diffs stay readable. */
export function renderDashboard(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
