import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SqlStore } from '@gridproof/store';

export type ComponentStatus = 'up' | 'degraded' | 'down';

export interface ComponentHealth {
  status: ComponentStatus;
  detail?: string;
  [key: string]: unknown;
}

/** Implemented by feature services that take part in /api/health (ingest, broker, anchor...). */
export interface HealthContributor {
  readonly healthName: string;
  health(): Promise<ComponentHealth> | ComponentHealth;
}

/** Tokens or classes of HealthContributors, registered by AppModule as modules are wired in. */
export const HEALTH_CONTRIBUTORS = 'HEALTH_CONTRIBUTORS';

@Injectable()
export class HealthService {
  constructor(
    private readonly store: SqlStore,
    private readonly moduleRef: ModuleRef,
  ) {}

  async check(): Promise<{ status: ComponentStatus; components: Record<string, ComponentHealth> }> {
    const components: Record<string, ComponentHealth> = {
      sql: (await this.store.ping()) ? { status: 'up', kind: this.store.kind } : { status: 'down', kind: this.store.kind },
    };
    const contributors = this.moduleRef.get<HealthContributor[]>(HEALTH_CONTRIBUTORS, { strict: false }) ?? [];
    for (const contributor of contributors) {
      try {
        components[contributor.healthName] = await contributor.health();
      } catch (err) {
        components[contributor.healthName] = { status: 'down', detail: (err as Error).message };
      }
    }
    const statuses = Object.values(components).map((c) => c.status);
    const status: ComponentStatus = statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'up';
    return { status, components };
  }
}
