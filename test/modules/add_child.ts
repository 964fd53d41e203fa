/** Child process for the concurrency test: adds every module under argv[3] to repository argv[2]. */
import { addToRepository } from '../../src/modules/repository.js';

const [repo, ...sources] = process.argv.slice(2);
for (const source of sources) {
  const r = await addToRepository(repo!, source);
  process.stdout.write(JSON.stringify(r) + '\n');
}
