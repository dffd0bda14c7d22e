// Public face of @gridproof/testing. Test servers and helpers (InfluxDB, Postgres, Alertmanager, hardhat node, free ports, cleanups).
// Only what other libs and apps use; anything else stays internal (eslint forbids deep imports).
export { startTestAlertmanager } from './alertmanager';
export type { TestAlertmanager } from './alertmanager';
export { Cleanups } from './cleanup';
export { repoRoot } from './faults/gridproof-process';
export { startHardhatNode } from './hardhat-node';
export type { HardhatNode } from './hardhat-node';
export { sharedInfluxUrl, startTestInfluxd, uniqueName } from './influxd';
export type { TestInfluxd } from './influxd';
export { freePort } from './ports';
export { createTestDatabase } from './postgres';
export { startRecordingProxy } from './recording-proxy';
export type { RecordingProxy } from './recording-proxy';
export { SQL_STORES, itOn, storeAvailable } from './sql-stores';
export { TcpProxy } from './tcp-proxy';
export { sharedVectorsDir, vectorFiles } from './vectors';
