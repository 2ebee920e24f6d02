// The words a training plan is made of, in a file of their own so presets and model kinds can use them without
// importing the plan (which imports them).

export type Preset = 'full' | 'trash';
export type ModelFamily = 'sd1' | 'sdxl';
export type TagStyle = 'anime' | 'e621';
/** What the U-Net predicts: the noise (ε, SD 1.5 and most SDXL) or the velocity (v, NoobAI-XL v-pred). */
export type Prediction = 'epsilon' | 'v';
