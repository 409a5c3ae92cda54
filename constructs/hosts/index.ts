export * from './ansible-inventory';
export * from './ansible-playbook';
export * from './host-prerequisites';
export * from './preflight-script';
export * from './textfile-metrics';
