// npm run image-check [-- <workload>...]
// Reproduces each workload's image build (services/node-service.Dockerfile with its SERVICE, as
// ci/build-images.sh builds it) without a container runtime (tools/image-check/build.ts),
// then starts it as its pod would, as its non-root user, and checks that it serves
// (tools/image-check/pods.ts). Exit 0 when every image passes, 1 with the reason otherwise.
import * as path from 'node:path';
import { WORKLOADS } from '../../workloads';
import { ImageBuilder } from './build';
import { checkServiceImage } from './pods';

async function main(): Promise<number> {
  const repoRoot = path.resolve(__dirname, '../..');
  const named = process.argv.slice(2);
  const unknown = named.filter((name) => !WORKLOADS.some((w) => w.name === name));
  if (unknown.length > 0) {
    console.error(`image-check: no workload ${unknown.join(', ')}; name workloads of workloads/index.ts (${WORKLOADS.map((w) => w.name).join(', ')})`);
    return 1;
  }
  const workloads = named.length > 0 ? WORKLOADS.filter((w) => named.includes(w.name)) : WORKLOADS;
  const builder = new ImageBuilder();
  try {
    for (const workload of workloads) {
      const result = await checkServiceImage(builder, { repoRoot, workload });
      console.log(`${result.image.dockerfile}: ok (build ${(result.buildMs / 1000).toFixed(1)} s, run ${(result.runMs / 1000).toFixed(1)} s)`);
      console.log(`  ${result.image.command.join(' ')} in ${result.image.workdir} as ${result.image.user.uid}:${result.image.user.gid}`);
      for (const line of result.verified) console.log(`  - ${line}`);
    }
    for (const { where, ms } of builder.runTimes) console.log(`RUN at ${where}: ${(ms / 1000).toFixed(1)} s`);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    builder.cleanup();
  }
}

main().then((code) => process.exit(code));
