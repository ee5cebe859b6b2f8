/**
 * The production workloads stacks applied through the real Terraform kubernetes provider to a real
 * kube-apiserver: a file of their own so jest runs them beside kube-apiserver.test.ts, against a
 * second API server. What stands in for what cannot run here: kube-session.ts.
 */
import { describeStackApplies, useKubeSession, workloadsStacks } from '../support/kube/kube-session';

useKubeSession();

describeStackApplies(workloadsStacks.filter((s) => s.startsWith('isoscribe-production-')));
