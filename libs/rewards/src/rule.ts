import { createHash } from 'node:crypto';
import { z } from 'zod';
import { jcs } from '@gridproof/telemetry';
import { DAY_MS, DEFAULT_SLOT_MS } from './epoch';

/**
 * The rewards rule: every parameter of the epoch computation that is a policy choice rather
 * than physics. It is published in each manifest with its hash (SHA-256 of its RFC 8785
 * canonical JSON), so an owner can see which rule paid them and anyone can recompute.
 *
 * All quantities are integers: amounts in the token's base units (decimal strings, read as
 * bigint), ratios in basis points (1 bps = 0.01 %), so no floating-point rounding ever decides
 * who gets a base unit. docs/owners.md explains each parameter.
 */
const bps = z.number().int().min(0).max(10_000);
const baseUnits = z.string().regex(/^(0|[1-9][0-9]*)$/, 'a whole number of base units, in decimal digits');

export const rewardRuleSchema = z
  .object({
    epochMs: z.number().int().positive().default(DAY_MS),
    slotMs: z.number().int().positive().default(DEFAULT_SLOT_MS),
    /** Tokens minted per epoch, in base units (default 1,000 tokens of 18 decimals). */
    poolPerEpoch: baseUnits.default('1000000000000000000000'),
    /** Share of the pool paid for energy (by weighted Wh); the rest pays for data (by weighted available slots). */
    energyShareBps: bps.default(8_000),
    /** Points per Wh by device type (types absent earn no energy points). */
    energyWeights: z.record(z.string(), z.number().int().min(0)).default({ 'pv-inverter': 1, battery: 1, 'ev-charger': 1 }),
    /** Points per available slot by device type, for the data share. */
    dataWeights: z.record(z.string(), z.number().int().min(0)).default({ 'smart-meter': 1, 'pv-inverter': 1, battery: 1, 'ev-charger': 1, 'air-quality': 2, weather: 2 }),
    /** Below this availability (valid slots / expected slots) a device earns nothing that epoch. */
    minAvailabilityBps: bps.default(5_000),
    /** Below this data-quality score a device earns nothing that epoch. */
    minQualityBps: bps.default(5_000),
    /** Streak bonus: + bonusBpsPerEpoch per consecutive earlier good epoch, at most maxBonusBps. */
    streak: z.object({ bonusBpsPerEpoch: bps.default(100), maxBonusBps: z.number().int().min(0).max(100_000).default(2_000) }).default({ bonusBpsPerEpoch: 100, maxBonusBps: 2_000 }),
    /** A reading whose device time is this far ahead of its receive time is a clock-skew reading (invalid). */
    maxClockAheadMs: z.number().int().positive().default(300_000),
    /** A counter increase across a longer silence is not paid (it was not observed slot by slot). */
    maxCounterGapMs: z.number().int().positive().default(900_000),
    /** A reading identical to the previous one in every non-cumulative metric this many times in a row is stuck. */
    stuckRun: z.number().int().min(2).default(3),
    physics: z
      .object({
        /** Allowance over the clear-sky model (cold-panel gain, cloud-edge enhancement, albedo): 12,500 = +25 %. */
        clearSkyMarginBps: z.number().int().min(10_000).max(100_000).default(12_500),
        /** Hold a PV device whose Wh per rated kW exceeds this multiple of its same-site peers' median. */
        peerFactorBps: z.number().int().min(10_000).default(30_000),
        /** Peers needed (other PV devices at the same site with a rated power) before the peer check applies. */
        minPeers: z.number().int().min(1).default(3),
      })
      .default({ clearSkyMarginBps: 12_500, peerFactorBps: 30_000, minPeers: 3 }),
  })
  .superRefine((r, ctx) => {
    if (r.epochMs % r.slotMs !== 0) ctx.addIssue({ code: 'custom', path: ['slotMs'], message: `the epoch (${r.epochMs} ms) must be a whole number of slots (${r.slotMs} ms)` });
  });

export type RewardRule = z.infer<typeof rewardRuleSchema>;

/** The rule with every default filled in; throws a zod error naming the bad parameter. */
export function rewardRule(partial: unknown = {}): RewardRule {
  return rewardRuleSchema.parse(partial);
}

/** SHA-256 of the rule's RFC 8785 canonical JSON, hex: what the manifest pins. */
export function ruleHash(rule: RewardRule): string {
  return createHash('sha256').update(jcs(rule)).digest('hex');
}

/** The rule from the service's configuration (GP_REWARDS_*), other parameters at their defaults. */
export function rewardRuleFromConfig(rewards: { epochMs: number; slotMs: number; poolPerEpoch: string }): RewardRule {
  return rewardRule({ epochMs: rewards.epochMs, slotMs: rewards.slotMs, poolPerEpoch: rewards.poolPerEpoch });
}
