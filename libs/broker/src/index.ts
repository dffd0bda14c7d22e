export * from './broker.tokens';
export * from './broker.module';
export * from './start-broker';
export { MqttBroker, MQTT_WS_PATH } from './mqtt-broker';
export type { BrokerPorts, BrokerHooks, MqttBrokerOptions } from './mqtt-broker';
export { DeviceHooks, BrokerRefusal } from './device-hooks';
export type { ApiKeyVerifier, DeviceErrorMessage } from './device-hooks';
export { publishChannel, maySubscribe, crewMaySubscribe, CREW_USERNAME, STATUS_ONLINE, STATUS_OFFLINE } from './device-access';
export type { BrokerLogger } from './broker-logger';
