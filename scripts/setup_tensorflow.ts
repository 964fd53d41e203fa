/**
 * `npm run setup:tensorflow [-- --force] [-- --wheel FILE]`: `mwt setup tensorflow` without
 * loading the CLI and tfjs, so that a second run (nothing to do) returns in a second or two.
 */
import { setupCommand } from '../src/setup/tensorflow.js';

const argv = process.argv.slice(2);
const opts: { force?: boolean; wheel?: string } = {};
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--force') opts.force = true;
  else if (argv[i] === '--wheel' && argv[i + 1] != null) opts.wheel = argv[++i];
  else {
    process.stderr.write(`setup:tensorflow: unknown option '${argv[i]}' (expected --force, --wheel FILE)\n`);
    process.exit(2);
  }
}
try {
  await setupCommand('tensorflow', opts);
} catch (error) {
  process.stderr.write(`mwt: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
