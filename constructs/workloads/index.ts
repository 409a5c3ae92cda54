export * from './microservice';
