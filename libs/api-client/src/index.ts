// The REST API's client, its contract's shared parts, and the CLI's output helper. Light on
// purpose: the `gridproof` CLI loads it for every command (no Nest, ethers or drizzle).
export { ApiClient, ApiError, DEFAULT_API_URL, apiClientFor, resolveApiTarget, withApiOptions } from './api-client';
export type { ApiTarget } from './api-client';
export { memoryIo, parseNumberOption, processIo, streamIo, table } from './cli-io';
export type { CliIo, MemoryIo } from './cli-io';
export { ROLES } from './roles';
export type { Role } from './roles';
