export * from './pod-placement';
