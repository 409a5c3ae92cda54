export * from './cluster-configuration';
export * from './init-configuration';
export * from './join-configuration';
export * from './kubeadm-api';
export * from './kubeadm-documents';
export * from './node-registration';
