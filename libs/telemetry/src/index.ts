export * from './catalogue';
export * from './topics';
export * from './rejections';
export * from './message';
export * from './canonical';
export * from './signing';
export * from './key-event-record';
export { ED25519_L_HEX, isSmallOrderEncoding, publicKeyProblem, signatureProblem, SMALL_ORDER_ENCODINGS_HEX } from './ed25519-strict';
export { logSafe, logSafeName, LOG_TEXT_MAX } from './log-safe';
