import { initializers } from '@tensorflow/tfjs-layers';

/**
 * PyTorch's nn.Linear default weight init: kaiming_uniform with a = sqrt(5), i.e. uniform in
 * +-1/sqrt(fan_in) (variance 1 / (3 fan_in), about 0.4x He's std). The VGG classifier starts
 * from it (behind dropout He's scale trains badly; models/vgg.ts) and so does the paper's
 * random reuse head (its code's nn.Linear); `seed` makes a draw repeatable.
 */
export function fanInUniform(seed?: number) {
  return initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed });
}
