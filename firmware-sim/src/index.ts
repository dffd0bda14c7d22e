/**
 * firmware-sim: realistic device fleets with labelled faults. Public API:
 *  - loadFleet(path) / resolveFleet(file, {seed, start}): fleet files
 *  - createSimulation(fleet, {seed, start}): readings in timestamp order (next(), until())
 *  - exportCsv({fleet, from, to, seed, outDir}): the CSV export (no MQTT)
 *  - startFleet({fleet, brokerUrl, provision, ...}): run the fleet as MQTT devices
 */
export * from './fleet';
export * from './faults';
export * from './signals';
export * from './simulation';
export * from './export';
export * from './clock';
export * from './mqtt';
export { Environment } from './environment';
