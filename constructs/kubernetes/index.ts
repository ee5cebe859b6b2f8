export * from './container-image';
export * from './nginx-fronted-app';
export * from './pod-network-policy';
export * from './restricted-namespace';
export * from './secret-provider-class';
export * from './workload-identity';
