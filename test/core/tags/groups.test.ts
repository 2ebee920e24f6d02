import { describe, expect, it } from 'vitest';
import { classifyTag, TAG_GROUPS, TAG_GROUP_IDS } from '../../../src/core/tags/groups.ts';

const groupOf = (tag: string, category?: Parameters<typeof classifyTag>[1]) =>
  classifyTag(tag, category)?.id ?? null;

describe('classifyTag (the guide’s tagging suggestions)', () => {
  it.each([
    // traits, e621 spelling then Danbooru spelling
    ['blue_eyes', 'eye-colour'],
    ['black_sclera', 'eye-colour'],
    ['light_blue_eyes', 'eye-colour'],
    ['tan_body', 'body-colour'],
    ['white_fur', 'body-colour'],
    ['blonde_hair', 'body-colour'],
    ['black_nose', 'body-colour'],
    ['brown_inner_ear', 'body-colour'],
    ['dark_skin', 'body-colour'],
    ['facial_markings', 'markings'],
    ['facial_mark', 'markings'],
    ['whisker_markings', 'markings'],
    ['tattoo', 'markings'],
    ['striped_tail', 'markings'],
    ['countershading', 'countershading'],
    ['countershade_face', 'countershading'],
    ['gloves_(marking)', 'marking-gloves-socks'],
    ['socks_(marking)', 'marking-gloves-socks'],
    ['two_tone_body', 'multicolour'],
    ['two-tone_hair', 'multicolour'],
    ['multicolored_hair', 'multicolour'],
    ['dipstick_tail', 'multicolour'],
    ['scar', 'scars'],
    ['scar_on_face', 'scars'],
    ['fox_girl', 'species'],
    ['animal_ears', 'species'],
    ['fox_tail', 'species'],
    ['long_hair', 'anatomy'],
    ['inner_ear_fluff', 'anatomy'],
    // clothing and accessories
    ['hat', 'headwear'],
    ['baseball_cap', 'headwear'],
    ['witch_hat', 'headwear'],
    ['glasses', 'eyewear'],
    ['eyewear', 'eyewear'],
    ['sunglasses', 'eyewear'],
    ['scarf', 'neckwear'],
    ['bandana', 'neckwear'],
    ['bow_tie', 'neckwear'],
    ['red_shirt', 'topwear'],
    ['crop_top', 'topwear'],
    ['jacket', 'topwear'],
    ['bra', 'topwear'],
    ['pants', 'bottomwear'],
    ['pleated_skirt', 'bottomwear'],
    ['panties', 'bottomwear'],
    ['fingerless_gloves', 'handwear'],
    ['armwear', 'handwear'],
    ['boots', 'legwear-footwear'],
    ['black_thighhighs', 'legwear-footwear'],
    ['thigh_highs', 'legwear-footwear'],
    ['collar', 'jewelry'],
    ['choker', 'jewelry'],
    ['earrings', 'jewelry'],
    ['ear_piercing', 'jewelry'],
    ['bracelet', 'jewelry'],
    ['ring', 'jewelry'],
    ['hair_band', 'accessory'],
    ['hair_tie', 'accessory'],
    ['hair_bow', 'accessory'],
    ['dress', 'clothing'],
    // state
    ['rear_view', 'perspective'],
    ['from_behind', 'perspective'],
    ["worm's-eye_view", 'perspective'],
    ['high-angle_view', 'perspective'],
    ['headshot_portrait', 'perspective'],
    ['standing', 'pose'],
    ['all_fours', 'pose'],
    ['on_back', 'pose'],
    ['holding_sword', 'pose'],
    ['hand_on_hip', 'pose'],
    ['half-closed_eyes', 'eyes'],
    ['looking_at_viewer', 'eyes'],
    ['one_eye_closed', 'eyes'],
    ['eyes_closed', 'eyes'],
    ['open_mouth', 'mouth'],
    ['tongue_out', 'mouth'],
    ['sharp_teeth', 'mouth'],
    ['smile', 'mouth'],
    [':3', 'mouth'],
    // context
    ['english_text', 'text-icons'],
    ['speech_bubble', 'text-icons'],
    ['<3', 'text-icons'],
    ['watermark', 'text-icons'],
    ['patreon_logo', 'text-icons'],
    ['3d_(artwork)', 'style'],
    ['flat_colors', 'style'],
    ['monochrome', 'style'],
    ['simple_background', 'background'],
  ])('puts %s in %s', (tag, group) => {
    expect(groupOf(tag)).toBe(group);
  });

  it('uses e621 categories: species and character tags are traits whatever their name', () => {
    expect(groupOf('red_panda', 'species')).toBe('species');
    expect(groupOf('krystal_(star_fox)', 'character')).toBe('character');
    expect(classifyTag('red_panda', 'species')?.kind).toBe('trait');
  });

  it('keeps marking gloves apart from clothing gloves, and hair ties apart from neckties', () => {
    expect(classifyTag('gloves_(marking)')?.kind).toBe('trait');
    expect(classifyTag('gloves')?.kind).toBe('toggleable');
    expect(groupOf('necktie')).toBe('neckwear');
    expect(groupOf('hair_tie')).toBe('accessory');
  });

  it('leaves tags the guide does not single out unclassified', () => {
    expect(groupOf('sword')).toBeNull();
    expect(groupOf('solo')).toBeNull();
    expect(groupOf('shirtless')).toBeNull();
    expect(groupOf('ponytail_holder_(thing)')).toBeNull();
  });

  it('accepts spaced spellings', () => {
    expect(groupOf('Blue Eyes')).toBe('eye-colour');
  });

  it('has one table entry per group id', () => {
    expect(TAG_GROUPS.map((g) => g.id).sort()).toEqual([...TAG_GROUP_IDS].sort());
  });
});
