/**
 * The domain's expected failures, one class for every lib: a service throws one of these and
 * knows nothing of HTTP; `DomainErrorFilter` turns it into the response (400/404/409/503), the
 * CLI prints its message. Before, registry errors extended Nest's HTTP exceptions, alerts mapped
 * theirs in a helper and audit in each controller method: three ways for one thing.
 */
export type DomainErrorKind = 'invalid_input' | 'not_found' | 'conflict' | 'unavailable';

/** The HTTP status of each kind; also on the error as `status` for callers outside HTTP. */
export const STATUS_OF_KIND: Readonly<Record<DomainErrorKind, number>> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
};

export class DomainError extends Error {
  readonly status: number;

  constructor(
    readonly kind: DomainErrorKind,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
    this.status = STATUS_OF_KIND[kind];
  }
}

/** Bad input from a client (API, CLI, config): every problem names its field ("limit: ..."). */
export class InvalidInputError extends DomainError {
  constructor(readonly problems: string[]) {
    super('invalid_input', `invalid input: ${problems.join('; ')}`);
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('not_found', message);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string) {
    super('conflict', message);
  }
}
