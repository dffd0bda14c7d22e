export * from './tf-runtime';
export * from './features';
export * from './file-io-handler';
export * from './window-autoencoder';
export * from './model-store';
export * from './type-model';
