export * from './alert';
export * from './metrics';
export * from './slo';
export * from './workload-alerts';
export * from './rule-file';
export * from './dashboard';
