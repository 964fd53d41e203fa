/**
 * Types of tfjs-layers that our layers need, taken from its public entry point only: a deep
 * import (`@tensorflow/tfjs-layers/dist/...`) would end up in our published .d.ts files and does
 * not resolve for a user's compiler under NodeNext.
 */
import type { layers } from '@tensorflow/tfjs-layers';

export type { Shape, LayerVariable } from '@tensorflow/tfjs-layers';

/** The constructor arguments every layer takes (name, inputShape, trainable, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

/** What Layer.dispose returns. */
export type DisposeResult = ReturnType<InstanceType<typeof layers.Layer>['dispose']>;

/** Keyword arguments of Layer.call, as tfjs-layers declares them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Kwargs = { [key: string]: any };
