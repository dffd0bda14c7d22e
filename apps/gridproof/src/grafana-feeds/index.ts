export * from './grafana-feeds';
export * from './grafana-feeds.service';
export * from './grafana-feeds.module';
