export { MaskGenerator, maskGenerator, defaultHidden } from './mask_generator.js';
export type { MaskGeneratorArgs } from './mask_generator.js';
export { ApplyMask, applyMask } from './apply_mask.js';
export { ChannelPad, channelPad } from './channel_pad.js';
export type { ChannelPadArgs } from './channel_pad.js';
export { ChannelAffine, channelAffine } from './channel_affine.js';
export type { ChannelAffineArgs } from './channel_affine.js';
export { ReplaceClass } from './replace_class.js';
export type { ReplaceClassArgs, ReplaceRule } from './replace_class.js';
