export * from './catalogue';
export * from './topics';
export * from './rejections';
export * from './message';
export * from './canonical';
export * from './signing';
