export * from './pod-layout';
export * from './nginx-config';
export { NginxConfigError } from './validation';
