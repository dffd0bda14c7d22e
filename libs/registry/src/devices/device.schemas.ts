import { z } from 'zod';
import { DEVICE_ID_PATTERN, DEVICE_TYPES, FAMILIES, publicKeyTextProblem } from '@gridproof/telemetry';

/** Input of the registry's operations, shared by the REST API and the CLI. */

export const EVM_ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;
const SITE_ID_PATTERN = DEVICE_ID_PATTERN;

export const deviceIdSchema = z.string().regex(DEVICE_ID_PATTERN, 'letters, digits, "_", "." or "-", 1-64 chars, starting with a letter or digit');

/** Registration and rotation refuse small-order and non-canonical keys (issue 13), each with its reason. */
const publicKeySchema = z.string().superRefine((raw, ctx) => {
  const problem = publicKeyTextProblem(raw);
  if (problem) ctx.addIssue({ code: 'custom', message: `must be the base64 of a raw 32-byte Ed25519 public key; ${problem}` });
});
const ownerSchema = z.string().regex(EVM_ADDRESS_PATTERN, 'must be an EVM address: 0x and 40 hex digits');
const metadataSchema = z.record(z.string(), z.unknown());

export const siteInputSchema = z.object({
  id: z.string().regex(SITE_ID_PATTERN, 'letters, digits, "_", "." or "-", 1-64 chars'),
  name: z.string().min(1).max(200).optional(),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});
export type SiteInput = z.infer<typeof siteInputSchema>;

export const provisionDeviceSchema = z
  .object({
    id: deviceIdSchema,
    type: z.enum(DEVICE_TYPES),
    site: siteInputSchema,
    name: z.string().min(1).max(200).optional(),
    metadata: metadataSchema.optional(),
    owner: ownerSchema.optional(),
    publicKey: publicKeySchema.optional(),
    requireSignature: z.boolean().default(true),
  })
  .strict()
  .refine((d) => !d.requireSignature || d.publicKey !== undefined, {
    path: ['publicKey'],
    message: 'required when requireSignature is true (the default)',
  });
export type ProvisionDeviceInput = z.input<typeof provisionDeviceSchema>;

export const updateDeviceSchema = z
  .object({
    name: z.string().min(1).max(200).nullable().optional(),
    metadata: metadataSchema.optional(),
    owner: ownerSchema.nullable().optional(),
    site: siteInputSchema.optional(),
    requireSignature: z.boolean().optional(),
    /** Key rotation; null removes the key (only allowed when signatures are not required). */
    publicKey: publicKeySchema.nullable().optional(),
  })
  .strict();
export type UpdateDeviceInput = z.input<typeof updateDeviceSchema>;

export const listDevicesSchema = z
  .object({
    type: z.enum(DEVICE_TYPES).optional(),
    site: z.string().regex(SITE_ID_PATTERN, 'a site id: letters, digits, "_", "." or "-", 1-64 chars').optional(),
    state: z.enum(['active', 'disabled']).optional(),
    family: z.enum(FAMILIES).optional(),
  })
  .strict();
export type ListDevicesFilter = z.input<typeof listDevicesSchema>;
