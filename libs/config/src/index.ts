// Public face of @gridproof/config. The one zod schema of the environment and its typed result.
// Only what other libs and apps use; anything else stays internal (eslint forbids deep imports).
export { ConfigError, loadConfig } from './config';
export type { GridProofConfig } from './config';
