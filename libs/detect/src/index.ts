export * from './generic';
export * from './multivariate';
export * from './fleet';
export * from './csv';
export * from './models';
export * from './maintenance';
export * from './service';
export * from './train';
