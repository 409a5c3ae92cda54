export * from './cluster-autoscaler';
export * from './cron-schedule';
export * from './pod-autoscaling';
export * from './scaling-behavior';
export * from './scheduled-scaler';
