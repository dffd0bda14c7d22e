import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DEVICE_TYPES, DeviceType } from '@gridproof/telemetry';
import type { TypeAlarmRules } from './calibration';

/**
 * `<modelsDir>/alarm-rules.json`: the alarm layer calibrated on a training fleet
 * (bench/detect-eval --rules-out), per device type. The service applies it when present.
 */
export const ALARM_RULES_FILE = 'alarm-rules.json';

const rule = z
  .object({ threshold: z.number().min(0).max(1), k: z.number().int().positive(), n: z.number().int().positive().max(10_000) })
  .strict()
  .refine((r) => r.k <= r.n, 'k must not exceed n');
const streamRule = z
  .object({ threshold: z.number().min(0).max(1), k: z.number().int().positive(), n: z.number().int().positive().max(10_000), kinds: z.number().int().min(1).max(15), metric: z.string().min(1).optional(), peer: z.boolean().optional() })
  .strict()
  .refine((r) => r.k <= r.n, 'k must not exceed n');
const file = z.partialRecord(z.enum(DEVICE_TYPES), z.object({ generic: streamRule.nullable(), model: rule.nullable(), multivariate: rule.nullable().optional() }).strict());

export type AlarmRulesFile = Partial<Record<DeviceType, TypeAlarmRules>>;

export function parseAlarmRules(text: string, source: string): AlarmRulesFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not JSON (${(err as Error).message})`);
  }
  const parsed = file.safeParse(json);
  if (!parsed.success) throw new Error(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data as AlarmRulesFile;
}

/** null when the directory has no rules file. */
export async function readAlarmRules(modelsDir: string): Promise<AlarmRulesFile | null> {
  const path = join(modelsDir, ALARM_RULES_FILE);
  if (!existsSync(path)) return null;
  return parseAlarmRules(await readFile(path, 'utf8'), path);
}

/** Writes the rules next to the models, atomically (a reader never sees half a file). */
export async function writeAlarmRules(modelsDir: string, rules: AlarmRulesFile): Promise<string> {
  await mkdir(modelsDir, { recursive: true });
  const path = join(modelsDir, ALARM_RULES_FILE);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(rules, null, 2) + '\n');
  await rename(tmp, path);
  return path;
}
