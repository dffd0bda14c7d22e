export { CoreModule, CoreModuleOptions, GP_CONFIG, sqlStoreTarget } from './core.module';
export * from './http';
