export * from './cluster-identity';
