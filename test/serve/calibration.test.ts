/**
 * The mask-union route's calibration images: drawn class-balanced from the run's training set,
 * served class by class as exact bytes, read back in the page's arithmetic, and a clear reason
 * when a run's training images cannot be read.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { calibrationBytes, runCalibration } from '../../src/serve/calibration.js';
import { calibrationImages } from '../../src/serve/calibration_images.js';
import type { RunInfo } from '../../src/train/run_info.js';
import { SAMPLE_DATA_DIR } from '../../src/data/sample.js';

/** Image i is 2x2x1 with every pixel (i+1)/255, labels as given. */
function tiny(labels: number[], numClasses: number): Dataset {
  const images = new Float32Array(labels.length * 4);
  labels.forEach((_, i) => images.fill((i + 1) / 255, i * 4, (i + 1) * 4));
  return { images, labels: Int32Array.from(labels), count: labels.length, shape: [2, 2, 1], numClasses };
}

describe('calibration images of the mask-union route', () => {
  it('draws perClass images of every class and lays them out class by class, bytes exact', () => {
    const labels = [2, 0, 1, 0, 2, 1, 1, 0, 2, 2];
    const { bytes, counts } = calibrationBytes(tiny(labels, 3), 2, 0);
    expect(counts).toEqual([2, 2, 2]);
    expect(bytes.length).toBe(6 * 4);
    // Every served image is one of its class's images (pixel value = index + 1), class 0 first.
    const served = Array.from({ length: 6 }, (_, k) => bytes[k * 4]!);
    for (let k = 0; k < 6; k++) {
      expect(Array.from(bytes.subarray(k * 4, k * 4 + 4))).toEqual(new Array(4).fill(served[k]));
      expect(labels[served[k]! - 1]).toBe(Math.floor(k / 2));
    }
    expect(new Set(served).size).toBe(6);
    // Seeded: the same draw again.
    expect(calibrationBytes(tiny(labels, 3), 2, 0).bytes).toEqual(bytes);
  });

  it('a class with too few images gives what it has, the others fill in', () => {
    const { counts, bytes } = calibrationBytes(tiny([0, 1, 1, 1, 1, 1], 2), 2, 0);
    expect(counts).toEqual([1, 3]);
    expect(bytes[0]).toBe(1); // class 0's only image comes first
  });

  it('reads the images of some classes back, normalised, labelled in the order asked', () => {
    const labels = [2, 0, 1, 0, 2, 1, 1, 0, 2, 2];
    const { bytes, counts } = calibrationBytes(tiny(labels, 3), 2, 0);
    const cal = { url: '/api/calibration.bin', shape: [2, 2, 1] as [number, number, number], counts, from: '.' };
    const ds = calibrationImages(bytes, cal, [2, 0], { mean: [0.5 / 255], std: [0.5 / 255] });
    expect(ds.count).toBe(4);
    expect(Array.from(ds.labels)).toEqual([0, 0, 1, 1]);
    // (byte/255 - 0.5/255) / (0.5/255) = 2 byte - 1
    expect(ds.images[0]).toBeCloseTo(2 * bytes[4 * 4]! - 1, 4);
    expect(ds.images[2 * 4]).toBeCloseTo(2 * bytes[0]! - 1, 4);
    expect(() => calibrationImages(bytes.subarray(1), cal, [0], { mean: [0], std: [1] })).toThrow(
      /23 bytes, expected 6 images of 2x2x1 \(24\)/,
    );
    expect(() => calibrationImages(bytes, cal, [3], { mean: [0], std: [1] })).toThrow(/no class 3/);
  });

  const info = (dataDir: string, inputShape: [number, number, number]): RunInfo =>
    ({
      spec: { name: 'simcnn', numClasses: 10, inputShape, width: 0.125 },
      standard: false,
      dataset: 'fashion-mnist',
      dataDir,
      normalization: { mean: [0.3], std: [0.35] },
      options: { seed: 0 },
    }) as unknown as RunInfo;

  it("serves 64 images of each class of a run's training set", () => {
    const got = runCalibration(info(SAMPLE_DATA_DIR, [28, 28, 1]));
    if (!('bytes' in got)) throw new Error(got.why);
    expect(got.calibration.counts).toEqual(new Array(10).fill(64));
    expect(got.bytes.length).toBe(640 * 784);
    expect(got.calibration.from).toBe(path.resolve(SAMPLE_DATA_DIR));
  });

  it('says why when the training images cannot be read or do not fit the model', () => {
    const missing = path.join(os.tmpdir(), 'mwt-no-such-data');
    const gone = runCalibration(info(missing, [28, 28, 1]));
    expect('why' in gone && gone.why).toMatch(new RegExp(`cannot be read .*${missing}`));
    const wrong = runCalibration(info(SAMPLE_DATA_DIR, [32, 32, 3]));
    expect('why' in wrong && wrong.why).toMatch(/are 28x28x1 in 10 classes, the model takes 32x32x3 in 10/);
  });
});
