export { ConflictError, DomainError, DomainErrorKind, InvalidInputError, NotFoundError, STATUS_OF_KIND } from './domain-error';
export { DomainErrorFilter } from './domain-error.filter';
export { parseInput, problemsOf } from './parse-input';
export { ZodInputPipe } from './validation.pipe';
export { ApiError, ApiErrors, apiErrorSchema } from './api-errors';
export { openApiDocument } from './openapi-document';
export { orNull } from './nullable';
