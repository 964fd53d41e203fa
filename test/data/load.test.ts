import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DATASETS, DATASET_NAMES, loadDataset } from '../../src/data/index.js';
import { tempDir } from './tmp.js';

const SAMPLE = 'data/fashion-mnist-sample';

describe('loadDataset', () => {
  it('loads the bundled Fashion-MNIST sample with names and shape from DATASETS', () => {
    const train = loadDataset('fashion-mnist', SAMPLE, 'train');
    expect(train.count).toBe(3000);
    expect(train.shape).toEqual(DATASETS['fashion-mnist'].shape);
    expect(train.classNames).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    let max = 0;
    for (const v of train.images) max = Math.max(max, v);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.99);
  });

  it('accepts un-gzipped IDX files under the plain names (mnist too)', () => {
    const dir = tempDir();
    for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      writeFileSync(join(dir, f), gunzipSync(readFileSync(join(SAMPLE, `${f}.gz`))));
    }
    const ds = loadDataset('mnist', dir, 'test');
    expect(ds.count).toBe(1000);
    expect(ds.classNames![3]).toBe('3');
    expect(Array.from(ds.images.subarray(0, 784))).toEqual(Array.from(loadDataset('fashion-mnist', SAMPLE, 'test').images.subarray(0, 784)));
  });

  it('gives one clear line for a missing directory or missing files', () => {
    expect(() => loadDataset('svhn', '/nonexistent/svhn', 'train')).toThrow(
      'svhn: data directory /nonexistent/svhn does not exist (expected it to hold train_32x32.mat)',
    );
    const dir = tempDir();
    expect(() => loadDataset('fashion-mnist', dir, 'train')).toThrow(
      `fashion-mnist: missing train-images-idx3-ubyte.gz (or train-images-idx3-ubyte) in ${dir}; the train split needs train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz (gzipped or not)`,
    );
    copyFileSync(join(SAMPLE, 'train-images-idx3-ubyte.gz'), join(dir, 'train-images-idx3-ubyte.gz'));
    expect(() => loadDataset('fashion-mnist', dir, 'train')).toThrow(/^fashion-mnist: missing train-labels-idx1-ubyte\.gz/);
    copyFileSync(join(SAMPLE, 't10k-labels-idx1-ubyte.gz'), join(dir, 'train-labels-idx1-ubyte.gz'));
    expect(() => loadDataset('fashion-mnist', dir, 'train')).toThrow(/holds 3000 images but .* holds 1000 labels$/);
    expect(() => loadDataset('svhn', dir, 'test')).toThrow(`svhn: missing test_32x32.mat in ${dir} (the test split needs it)`);
    expect(() => loadDataset('cifar10', dir, 'test')).toThrow(`cifar10: missing test_batch.bin in ${dir} (the test split needs test_batch.bin)`);
  });

  it('finds CIFAR-10 inside cifar-10-batches-bin/', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'cifar-10-batches-bin'));
    writeFileSync(join(dir, 'cifar-10-batches-bin', 'test_batch.bin'), new Uint8Array(3073));
    expect(loadDataset('cifar10', dir, 'test').count).toBe(1);
  });

  it('describes all four datasets', () => {
    expect([...DATASET_NAMES]).toEqual(['cifar10', 'svhn', 'mnist', 'fashion-mnist']);
    expect(DATASETS.cifar10.shape).toEqual([32, 32, 3]);
    expect(DATASETS.svhn.files.train).toEqual(['train_32x32.mat']);
    expect(() => loadDataset('imagenet' as never, '.', 'train')).toThrow('unknown dataset "imagenet"; expected one of cifar10, svhn, mnist, fashion-mnist');
  });
});
