export * from './kubernetes-version';
export * from './validation-error';
