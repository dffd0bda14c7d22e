import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeviceType, isDeviceType } from '@gridproof/telemetry';
import { z } from 'zod';
import type { Normalisation } from './features';
import type { AutoencoderShape } from './window-autoencoder';

/**
 * Versioned models on disk: <modelsDir>/<type>/<version>/{model.json, weights.bin, meta.json}.
 * A version is the UTC training time (sortable), so "newest" is the lexicographic maximum.
 * A version is written to a temporary folder and renamed, so a reader never sees half a model.
 */
export const modelMetaSchema = z.object({
  type: z.string(),
  version: z.string(),
  createdAt: z.string(),
  backend: z.string(),
  seed: z.number(),
  shape: z.object({ window: z.number(), metrics: z.number(), hidden: z.number(), latent: z.number() }),
  normalisation: z.object({ metrics: z.array(z.string()), cumulative: z.array(z.boolean()), center: z.array(z.number()), scale: z.array(z.number()) }),
  /** Reconstruction error at which a window is anomalous (score 0.7). */
  threshold: z.number(),
  dataRange: z.object({ from: z.string(), to: z.string(), source: z.string(), windows: z.number(), devices: z.number() }),
  evaluation: z.record(z.string(), z.unknown()).optional(),
});
export type ModelMeta = z.infer<typeof modelMetaSchema> & { shape: AutoencoderShape; normalisation: Normalisation };

export function newVersion(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export class ModelStore {
  constructor(readonly dir: string) {}

  versionDir(type: DeviceType, version: string): string {
    return join(this.dir, type, version);
  }

  /** Writes meta.json and calls writeModel(dir) for the weights, then publishes the version atomically. */
  async publish(meta: ModelMeta, writeModel: (dir: string) => Promise<void>): Promise<string> {
    const final = this.versionDir(meta.type as DeviceType, meta.version);
    const tmp = `${final}.tmp-${process.pid}`;
    await mkdir(tmp, { recursive: true });
    await writeModel(tmp);
    await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
    await rename(tmp, final);
    return final;
  }

  async versions(type: DeviceType): Promise<string[]> {
    try {
      const entries = await readdir(join(this.dir, type), { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && !e.name.includes('.tmp-')).map((e) => e.name).sort();
    } catch {
      return [];
    }
  }

  async types(): Promise<DeviceType[]> {
    try {
      const entries = await readdir(this.dir, { withFileTypes: true });
      return entries.filter((e) => e.isDirectory() && isDeviceType(e.name)).map((e) => e.name as DeviceType);
    } catch {
      return [];
    }
  }

  async newest(type: DeviceType): Promise<{ dir: string; meta: ModelMeta } | null> {
    const versions = await this.versions(type);
    for (const v of versions.reverse()) {
      const dir = this.versionDir(type, v);
      try {
        const meta = modelMetaSchema.parse(JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'))) as ModelMeta;
        return { dir, meta };
      } catch {
        // A damaged version: fall back to the one before it.
      }
    }
    return null;
  }
}
