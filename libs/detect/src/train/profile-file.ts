import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeviceType } from '@gridproof/telemetry';
import { z } from 'zod';
import { ModelMeta, modelMetaSchema } from '../models/model-store';

/**
 * What a model trained on an analyst's CSV needs to be applied to another file like it:
 * `profile.json` beside meta.json in the model's version folder. The metrics themselves are
 * meta.json's normalisation.metrics; this adds where the entity and the time were, and which
 * rows were the training span. Firmware-sim and InfluxDB models have no such file.
 */
export const PROFILE_FILE = 'profile.json';

/** A custom profile's name: a folder name in the models directory, never a built-in type. */
export const PROFILE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const profileFileSchema = z.object({
  format: z.literal('gridproof-profile/1'),
  /** The built-in device type or the custom profile name (the models directory's folder). */
  name: z.string(),
  builtIn: z.boolean(),
  columns: z.array(z.string()),
  timestampColumn: z.string(),
  entityColumn: z.string().nullable(),
  training: z.object({
    source: z.string(),
    rows: z.number(),
    entities: z.number(),
    trainRows: z.number().nullable(),
    trainUntil: z.string().nullable(),
  }),
});
export type ProfileFile = z.infer<typeof profileFileSchema>;

export function checkProfileName(name: string): void {
  if (isDeviceType(name)) throw new Error(`'${name}' is a built-in device type: give --type ${name}, not --profile`);
  if (!PROFILE_NAME.test(name)) throw new Error(`--profile '${name}': use 1–64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`);
}

export async function writeProfileFile(dir: string, p: ProfileFile): Promise<void> {
  await writeFile(join(dir, PROFILE_FILE), JSON.stringify(p, null, 2));
}

export interface ModelOnDisk {
  dir: string;
  meta: ModelMeta;
  profile: ProfileFile | null;
}

/**
 * `--model PATH`: a version folder (it has meta.json), or a type's / profile's folder (its
 * newest version that reads), or a models directory with `name` (PATH/name, newest version).
 */
export async function findModel(path: string, name?: string): Promise<ModelOnDisk> {
  const base = name ? join(path, name) : path;
  const read = async (dir: string): Promise<ModelOnDisk> => {
    const meta = modelMetaSchema.parse(JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'))) as ModelMeta;
    const pf = join(dir, PROFILE_FILE);
    const profile = existsSync(pf) ? profileFileSchema.parse(JSON.parse(await readFile(pf, 'utf8'))) : null;
    return { dir, meta, profile };
  };
  if (existsSync(join(base, 'meta.json'))) return read(base);
  let versions: string[];
  try {
    versions = (await readdir(base, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.includes('.tmp-')).map((e) => e.name).sort().reverse();
  } catch {
    throw new Error(`no model at ${base}: not a folder`);
  }
  const problems: string[] = [];
  for (const v of versions) {
    if (!existsSync(join(base, v, 'meta.json'))) continue;
    try {
      return await read(join(base, v));
    } catch (err) {
      problems.push(`${v}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no model at ${base}: it has no meta.json and no version folder with one${problems.length ? ` that reads (${problems.join('; ')})` : ''}`);
}
