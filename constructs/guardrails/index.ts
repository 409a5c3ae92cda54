export * from './allow-network-policy';
export * from './default-deny-network-policy';
export * from './dns-egress-network-policy';
export * from './network-peer';
export * from './platform-roles';
export * from './pod-security-labels';
