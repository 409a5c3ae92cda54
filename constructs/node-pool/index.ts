export * from './node-pool';
