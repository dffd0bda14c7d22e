import { DEVICE_ID_PATTERN, DEVICE_TYPES } from '@gridproof/telemetry';
import { z } from 'zod';
import { durationString, instantString } from '../faults/common';
import { FAULT_KINDS, faultSpecSchema } from '../faults';

const id = z.string().regex(DEVICE_ID_PATTERN, 'ids are 1-64 characters: letters, digits, _ . - (starting with a letter or digit)');
const lat = z.number().min(-90).max(90);
const lon = z.number().min(-180).max(180);
const params = z.record(z.string(), z.unknown()).default({});
const deviceType = z.enum(DEVICE_TYPES);

export const siteSchema = z.object({ id, name: z.string().max(200).optional(), lat, lon }).strict();

/** Sites scattered around a centre (for city-scale fleets). */
export const siteGeneratorSchema = z
  .object({
    count: z.number().int().positive().max(100_000),
    idPrefix: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/).default('site-'),
    namePrefix: z.string().optional(),
    center: z.object({ lat, lon }).strict(),
    radiusKm: z.number().positive().max(2000),
  })
  .strict();

const deviceCommon = {
  /** Seconds between readings (simulated time). */
  intervalS: z.number().positive().max(86_400).optional(),
  params,
  metadata: z.record(z.string(), z.unknown()).optional(),
};

export const deviceSchema = z.object({ id, type: deviceType, site: id, ...deviceCommon }).strict();

/** Many devices of one type: ids `${idPrefix}${n}` (zero-padded), sites round-robin. */
export const groupSchema = z
  .object({
    type: deviceType,
    count: z.number().int().positive().max(1_000_000),
    idPrefix: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/),
    /** Site ids, or "all" for every site (round-robin). */
    sites: z.union([z.literal('all'), z.array(id).min(1)]).default('all'),
    ...deviceCommon,
  })
  .strict();

/** Faults placed on randomly chosen devices of a type, at random times in a window. */
export const randomFaultSchema = z
  .object({
    kind: z.enum(FAULT_KINDS as [string, ...string[]]),
    type: deviceType,
    count: z.number().int().positive(),
    /** Window for the start times: offsets from the simulation start or ISO instants. */
    from: instantString.default('0s'),
    to: instantString,
    /** Other fields of the fault (e.g. ramp, metric, duration). */
    with: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const fleetFileSchema = z
  .object({
    name: z.string().min(1).max(100),
    description: z.string().optional(),
    seed: z.number().int().optional(),
    /** "now" or an ISO 8601 instant; the simulation start unless overridden. */
    start: z.string().optional(),
    grid: z
      .object({ nominalVoltageV: z.number().positive().default(230), frequencyHz: z.number().positive().default(50) })
      .strict()
      .default({ nominalVoltageV: 230, frequencyHz: 50 }),
    defaults: z
      .object({
        intervalS: z.number().positive().max(86_400).default(60),
        /** Readings a device buffers while it cannot publish (oldest evicted beyond). */
        bufferSize: z.number().int().positive().max(10_000_000).default(5000),
      })
      .strict()
      .default({ intervalS: 60, bufferSize: 5000 }),
    sites: z.array(siteSchema).default([]),
    generateSites: siteGeneratorSchema.optional(),
    devices: z.array(deviceSchema).default([]),
    groups: z.array(groupSchema).default([]),
    faults: z.array(faultSpecSchema).default([]),
    randomFaults: z.array(randomFaultSchema).default([]),
  })
  .strict();

export type FleetFile = z.infer<typeof fleetFileSchema>;
export type SiteSpec = z.infer<typeof siteSchema>;
export { durationString };
