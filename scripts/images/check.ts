// npm run image-check [-- <Dockerfile>...]
// Reproduces each service image's build without a container runtime (scripts/images/build.ts),
// then starts it as its pod would, as its non-root user, and checks that it serves
// (scripts/images/pods.ts). Exit 0 when every image passes, 1 with the reason otherwise.
import * as path from 'node:path';
import { ImageBuilder } from './build';
import { checkServiceImage, SERVICE_IMAGES } from './pods';

async function main(): Promise<number> {
  const repoRoot = path.resolve(__dirname, '../..');
  const dockerfiles = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(SERVICE_IMAGES);
  const builder = new ImageBuilder();
  try {
    for (const dockerfile of dockerfiles) {
      const result = await checkServiceImage(builder, { repoRoot, dockerfile: path.relative(repoRoot, path.resolve(dockerfile)) });
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
