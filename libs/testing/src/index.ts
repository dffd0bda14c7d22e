export * from './ports';
export * from './influxd';
export * from './postgres';
export * from './cleanup';
export * from './sql-stores';
export * from './alertmanager';
export * from './vectors';
export * from './recording-proxy';
