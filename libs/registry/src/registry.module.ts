import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SqlStore } from '@gridproof/store';
import { ApiKeys } from './api-keys/api-keys.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { DeviceRegistry } from './devices/device-registry.service';
import { ApiKeysController } from './http/api-keys.controller';
import { DevicesController } from './http/devices.controller';
import { MeController } from './http/me.controller';
import { REGISTRY_MIGRATIONS } from './sql/registry.migrations';

/** Resolved once the registry's tables exist; both services wait for it. */
const REGISTRY_SCHEMA = 'GP_REGISTRY_SCHEMA';

/**
 * Devices, sites, API keys and the API's role guard. Needs only the global CoreModule (SqlStore).
 * Exports DeviceRegistry (the broker's DeviceDirectory) and ApiKeys (for ensureFirstAdminKey).
 * The migrations run in a provider factory, so no service is handed out before its tables exist.
 */
@Module({
  controllers: [DevicesController, ApiKeysController, MeController],
  providers: [
    { provide: REGISTRY_SCHEMA, useFactory: (store: SqlStore) => store.migrate(REGISTRY_MIGRATIONS), inject: [SqlStore] },
    {
      provide: DeviceRegistry,
      useFactory: async (store: SqlStore) => {
        const registry = new DeviceRegistry(store);
        await registry.followOtherWriters();
        await registry.preload();
        return registry;
      },
      inject: [SqlStore, REGISTRY_SCHEMA],
    },
    { provide: ApiKeys, useFactory: (store: SqlStore) => new ApiKeys(store), inject: [SqlStore, REGISTRY_SCHEMA] },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [DeviceRegistry, ApiKeys],
})
export class RegistryModule {}
