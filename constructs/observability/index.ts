export * from './alert-rule';
export * from './api-server-scrape';
export * from './api-server-vip-scrape';
export * from './cluster-alerts';
export * from './etcd-scrape';
export * from './platform-alerts';
export * from './service-scrape';
export * from './static-targets';
