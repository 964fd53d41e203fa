/** Cosine annealing of the learning rate over epochs (PyTorch's CosineAnnealingLR, eta_min 0). */
export function cosineLearningRate(baseLr: number, epoch: number, epochs: number): number {
  return 0.5 * baseLr * (1 + Math.cos((Math.PI * epoch) / epochs));
}
