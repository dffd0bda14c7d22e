import { ConflictError, NotFoundError } from '@gridproof/core';

/**
 * The registry's errors: domain errors (libs/core), mapped to 404/409 by the app's one filter.
 * Bad input is core's InvalidInputError, thrown by `parseInput`.
 */
export class DeviceNotFoundError extends NotFoundError {
  constructor(readonly deviceId: string) {
    super(`device ${deviceId} not found`);
  }
}

export class DeviceExistsError extends ConflictError {
  constructor(readonly deviceId: string) {
    super(`device ${deviceId} already exists`);
  }
}

export class ApiKeyNotFoundError extends NotFoundError {
  constructor(readonly keyId: string) {
    super(`API key ${keyId} not found`);
  }
}
