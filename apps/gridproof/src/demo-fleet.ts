import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { BrokerService } from '@gridproof/broker';
import { AlarmRulesFile, DetectionService, parseAlarmRules, readAlarmRules } from '@gridproof/detect';
import { loadFleet, Provisioner, startFleet, FleetHandle } from '@gridproof/firmware-sim';
import { DeviceExistsError, DeviceRegistry } from '@gridproof/registry';
import type { RunningGridProof } from './bootstrap';

export const DEFAULT_DEMO_FLEET = 'firmware-sim/fleets/demo.yaml';
/**
 * The alarm layer `gridproof train --calibrate-alarms` chose on the simulator's labelled
 * evaluation fleet (seed 1, docs/detection.md "How to reproduce"). The demo fleet comes from the
 * same simulator, so these rules fit it; real fleets calibrate on their own history.
 */
export const DEMO_ALARM_RULES = 'firmware-sim/fleets/demo-alarm-rules.json';
const DEMO_HISTORY_MS = 3_600_000;

/**
 * Provisions straight through the registry (same process, no API key needed). A device that
 * exists from an earlier run is re-keyed (and its metadata, e.g. a PV array's rated kWp, set
 * again) and gets fresh credentials, as the HTTP path does.
 */
export function registryProvisioner(registry: DeviceRegistry): Provisioner {
  return async (req) => {
    try {
      return (await registry.provision(req)).credentials;
    } catch (err) {
      if (!(err instanceof DeviceExistsError)) throw err;
      // The fleet file is the simulated device's truth: its key and its nameplate (rated kWp).
      await registry.update(req.id, { publicKey: req.publicKey, ...(req.metadata ? { metadata: req.metadata } : {}) });
      return (await registry.rotateCredentials(req.id)).credentials;
    }
  };
}

/**
 * The alarm rules for the demo: the simulator-calibrated ones, unless the models directory has
 * rules of its own (null then: the service loaded those). Without any, the plain thresholds
 * raise anomaly alerts at every EV charging session's start (a level shift in power).
 */
export async function demoAlarmRules(modelsDir: string, rulesPath = resolve(DEMO_ALARM_RULES)): Promise<AlarmRulesFile | null> {
  if (await readAlarmRules(modelsDir)) return null;
  return parseAlarmRules(await readFile(rulesPath, 'utf8'), rulesPath);
}

/** `npm start`'s demo fleet (GP_SIM_ENABLED=false turns it off): readings, a developing fault, an alert. */
export async function startDemoFleet(running: RunningGridProof): Promise<FleetHandle | null> {
  const { config } = running;
  if (!config.sim.enabled) return null;
  const logger = new Logger('DemoFleet');
  const fleetPath = resolve(config.sim.fleetPath ?? DEFAULT_DEMO_FLEET);
  const rules = await demoAlarmRules(config.detect.modelsDir);
  if (rules) {
    running.app.get(DetectionService).setAlarmRules(rules);
    logger.log(`demo: alarm rules calibrated on the simulator's fleets for ${Object.keys(rules).join(', ')} (${DEMO_ALARM_RULES}); see docs/detection.md`);
  }
  const port = running.app.get(BrokerService).ports?.tcp ?? config.mqtt.port;
  const fleet = startFleet({
    fleet: loadFleet(fleetPath),
    // The hour before now at 60x, then real time: detectors and maintenance models have
    // warmed up on normal readings by the time the demo's faults begin (demo.yaml).
    start: Date.now() - DEMO_HISTORY_MS,
    speed: 60,
    brokerUrl: `mqtt://127.0.0.1:${port}`,
    provision: registryProvisioner(running.app.get(DeviceRegistry)),
    statePath: join(config.dataDir, 'sim', 'state.json'),
    // A restart within the hour resumes after the previous run's last reading: say so.
    onNotice: (message) => logger.log(message),
    labelsPath: join(config.dataDir, 'sim', 'labels.csv'),
  });
  await fleet.ready;
  logger.log(`demo fleet ${fleetPath}: ${fleet.stats().devices} devices publishing (GP_SIM_ENABLED=false turns it off)`);
  return fleet;
}
