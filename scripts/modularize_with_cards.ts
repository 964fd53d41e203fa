/**
 * Modularize a run with card sampling chosen on the command line (for experiments on a busy
 * machine; `mwt modularize` uses the defaults of src/modules/module_cards.ts):
 *   npx tsx scripts/modularize_with_cards.ts RUN [FIT_SAMPLES] [TEST_SAMPLES] [CLASSES e.g. 0,2,4,6]
 */
import { initBackend } from '../src/engine/index.js';
import { createProgress } from '../src/log/logger.js';
import { modularizeRun } from '../src/modules/modularize_run.js';

const [run, fit, test, classes] = process.argv.slice(2);
if (!run) {
  process.stderr.write('usage: modularize_with_cards.ts RUN [FIT_SAMPLES] [TEST_SAMPLES] [CLASSES]\n');
  process.exit(2);
}
await initBackend();
await modularizeRun(run, {
  log: createProgress(),
  cards: {
    fitSamples: fit ? Number(fit) : undefined,
    testSamples: test ? Number(test) : undefined,
    classes: classes ? classes.split(',').map(Number) : undefined,
  },
});
process.exit(0);
