export * from './api-server-scrape';
export * from './api-server-vip-scrape';
export * from './platform-alerts';
export * from './service-scrape';
export * from './static-targets';
