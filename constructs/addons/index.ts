export * from './calico-installation';
export * from './ceph-csi';
export * from './cronhpa-controller';
export * from './envoy-gateway-class';
export * from './metallb-address-pool';
export * from './node-exporter';
export * from './prometheus-stack';
export * from './upstream-objects';
