import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Tf from '@tensorflow/tfjs';

/**
 * Saves and loads a tf.LayersModel as model.json + weights.bin in a directory, the layout
 * tfjs-node's file:// handler uses, without needing tfjs-node.
 */
type Artifacts = Tf.io.ModelArtifacts;

function toBuffer(data: Artifacts['weightData']): Buffer {
  if (!data) return Buffer.alloc(0);
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}

export function fileIOHandler(dir: string): Tf.io.IOHandler {
  return {
    async save(artifacts: Artifacts): Promise<Tf.io.SaveResult> {
      await mkdir(dir, { recursive: true });
      const weights = toBuffer(artifacts.weightData);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(join(dir, 'weights.bin'), weights);
      await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.length } };
    },
    async load(): Promise<Artifacts> {
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
        modelTopology: Artifacts['modelTopology'];
        format?: string;
        generatedBy?: string;
        convertedBy?: string | null;
        weightsManifest: Array<{ paths: string[]; weights: Tf.io.WeightsManifestEntry[] }>;
      };
      const specs: Tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(await readFile(join(dir, p)));
      }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
      };
    },
  };
}
