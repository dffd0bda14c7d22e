/**
 * API roles, part of the REST contract: the server (libs/registry) enforces them and the CLI
 * offers them as choices, so they live here, where the CLI can read them without loading the
 * server. admin: everything, API keys included. operator: everything except API-key
 * management. crew: read devices and telemetry, acknowledge and resolve alerts. auditor:
 * read-only devices, anchors, audits and proofs. docs/devices.md has the table.
 */
export const ROLES = ['admin', 'operator', 'crew', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
