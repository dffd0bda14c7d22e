import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@gridproof/config';
import { CoreModule } from '@gridproof/core';
import type { SqlStore } from '@gridproof/store';
import { ApiKeys } from '../api-keys/api-keys.service';
import { Public, Roles } from '../auth/roles';
import { RegistryModule } from '../registry.module';

/** Routes that show the guard's defaults: one public, one without @Roles, one for crews. */
@Controller('api/probe')
class ProbeController {
  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }

  @Get('undecorated')
  undecorated() {
    return { ok: true };
  }

  @Roles('crew')
  @Get('crew')
  crew() {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

export interface RegistryTestApp {
  app: INestApplication;
  url: string;
  adminKey: string;
  keyFor(role: 'operator' | 'crew' | 'auditor'): Promise<string>;
  close(): Promise<void>;
}

/** RegistryModule in a real Nest HTTP server on a free loopback port, with a first admin key. */
export async function startRegistryApp(store: SqlStore): Promise<RegistryTestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gp-reg-'));
  const config = loadConfig({ GP_DATA_DIR: dataDir });
  const moduleRef = await Test.createTestingModule({ imports: [CoreModule.forRoot({ config, store }), RegistryModule, ProbeModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const keys = app.get(ApiKeys);
  const first = await keys.ensureFirstAdminKey();
  if (!first) throw new Error('expected a fresh store without API keys');
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    adminKey: first.key,
    keyFor: async (role) => (await keys.create({ name: `${role}-test`, role })).key,
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
