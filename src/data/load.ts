/**
 * One entry point for the four datasets, by name: loadDataset(name, dataDir, split).
 * Directory and file checks happen here so that a wrong --data path gives one clear line that
 * lists the file names expected, rather than an ENOENT from deep inside a reader.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CIFAR10_CLASS_NAMES, CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, readCifar10 } from './cifar10.js';
import { validateDataset, type Dataset } from './dataset.js';
import { readIdxImages, readIdxLabels } from './idx.js';
import { readSvhnMat, SVHN_CLASS_NAMES, SVHN_FILES } from './svhn.js';

import { DATASET_NAMES, type DatasetName } from './dataset_names.js';

export { DATASET_NAMES, type DatasetName } from './dataset_names.js';
export type Split = 'train' | 'test';

export interface DatasetInfo {
  name: DatasetName;
  /** Input shape [h, w, c]. */
  shape: [number, number, number];
  numClasses: number;
  classNames: string[];
  /** File names expected in the data directory, per split. */
  files: Record<Split, string[]>;
}

const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
/** IDX file stems; each may be present gzipped (.gz, as downloaded) or not. */
const IDX_FILES: Record<Split, [images: string, labels: string]> = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};
const idxFiles = (split: Split) => IDX_FILES[split].map((f) => `${f}.gz`);

export const DATASETS: Readonly<Record<DatasetName, DatasetInfo>> = {
  cifar10: {
    name: 'cifar10',
    shape: [32, 32, 3],
    numClasses: 10,
    classNames: CIFAR10_CLASS_NAMES,
    files: { train: CIFAR10_TRAIN_FILES, test: CIFAR10_TEST_FILES },
  },
  svhn: {
    name: 'svhn',
    shape: [32, 32, 3],
    numClasses: 10,
    classNames: SVHN_CLASS_NAMES,
    files: { train: [SVHN_FILES.train], test: [SVHN_FILES.test] },
  },
  mnist: {
    name: 'mnist',
    shape: [28, 28, 1],
    numClasses: 10,
    classNames: MNIST_CLASS_NAMES,
    files: { train: idxFiles('train'), test: idxFiles('test') },
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    shape: [28, 28, 1],
    numClasses: 10,
    classNames: FASHION_MNIST_CLASS_NAMES,
    files: { train: idxFiles('train'), test: idxFiles('test') },
  },
};

export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

/** The IDX file for `stem`, gzipped or not, or an error listing what was expected. */
function findIdx(name: DatasetName, dir: string, split: Split, stem: string): string {
  for (const f of [`${stem}.gz`, stem]) if (existsSync(join(dir, f))) return join(dir, f);
  const expected = IDX_FILES[split].map((s) => `${s}.gz`).join(', ');
  throw new Error(`${name}: missing ${stem}.gz (or ${stem}) in ${dir}; the ${split} split needs ${expected} (gzipped or not)`);
}

function loadIdx(name: 'mnist' | 'fashion-mnist', dir: string, split: Split): Dataset {
  const [imgStem, lblStem] = IDX_FILES[split];
  const imgPath = findIdx(name, dir, split, imgStem);
  const lblPath = findIdx(name, dir, split, lblStem);
  const img = readIdxImages(imgPath);
  const labels = readIdxLabels(lblPath);
  if (labels.length !== img.count) {
    throw new Error(`${name} ${split}: ${imgPath} holds ${img.count} images but ${lblPath} holds ${labels.length} labels`);
  }
  const images = new Float32Array(img.pixels.length);
  for (let i = 0; i < images.length; i++) images[i] = img.pixels[i] / 255;
  const info = DATASETS[name];
  return validateDataset(
    { images, labels, count: img.count, shape: [img.rows, img.cols, 1], numClasses: 10, classNames: [...info.classNames] },
    `${name} ${split} (${dir})`,
  );
}

/**
 * Loads a split. `dataDir` holds the dataset's files directly; for CIFAR-10 a directory that
 * contains the official `cifar-10-batches-bin/` folder is accepted too.
 */
export function loadDataset(name: DatasetName, dataDir: string, split: Split): Dataset {
  if (!isDatasetName(name)) throw new Error(`unknown dataset ${JSON.stringify(name)}; expected one of ${DATASET_NAMES.join(', ')}`);
  if (split !== 'train' && split !== 'test') throw new Error(`unknown split ${JSON.stringify(split)}; expected train or test`);
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new Error(`${name}: data directory ${dataDir} does not exist (expected it to hold ${DATASETS[name].files[split].join(', ')})`);
  }
  switch (name) {
    case 'cifar10': {
      const nested = join(dataDir, 'cifar-10-batches-bin');
      const dir = !existsSync(join(dataDir, CIFAR10_TEST_FILES[0])) && existsSync(nested) ? nested : dataDir;
      return readCifar10(dir, split);
    }
    case 'svhn': {
      const path = join(dataDir, SVHN_FILES[split]);
      if (!existsSync(path)) throw new Error(`svhn: missing ${SVHN_FILES[split]} in ${dataDir} (the ${split} split needs it)`);
      return readSvhnMat(path);
    }
    case 'mnist':
    case 'fashion-mnist':
      return loadIdx(name, dataDir, split);
  }
}
