/** The registry's contract suites run on both SQL backends (libs/testing sql-stores). */
export { SQL_STORES as REGISTRY_STORES, itOn } from '@gridproof/testing';
