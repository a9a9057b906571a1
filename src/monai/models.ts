/** The radiology app's models in MONAI Label 0.8.5 (module names under sample-apps/radiology/lib/configs). */
export const RADIOLOGY_MODELS = [
  'deepedit',
  'deepgrow_2d',
  'deepgrow_3d',
  'localization_spine',
  'localization_vertebra',
  'segmentation',
  'segmentation_spleen',
  'segmentation_vertebra',
  'sw_fastedit',
] as const;

export type RadiologyModel = (typeof RADIOLOGY_MODELS)[number];

/** Shorthands people type after /monai start. */
export const PRESETS: Readonly<Record<string, readonly RadiologyModel[]>> = {
  deepgrow: ['deepgrow_2d', 'deepgrow_3d'],
  deepedit: ['deepedit'],
  segmentation: ['segmentation'],
};

export type ModelChoice = { ok: true; models: string[] } | { ok: false; reason: string };

/** A preset, "all", or a comma-separated list of radiology models; anything else is refused with the list. */
export function parseModels(text: string): ModelChoice {
  const wanted = text.trim().toLowerCase();
  const preset = PRESETS[wanted];
  if (preset) return { ok: true, models: [...preset] };
  if (wanted === 'all') return { ok: true, models: ['all'] };
  const names = [...new Set(wanted.split(',').map((name) => name.trim()).filter(Boolean))];
  const unknown = names.filter((name) => !(RADIOLOGY_MODELS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    const shown = unknown.length > 0 ? `Unknown model${unknown.length > 1 ? 's' : ''}: ${unknown.slice(0, 5).map((name) => name.slice(0, 40)).join(', ')}. ` : '';
    return {
      ok: false,
      reason: `${shown}Choose a preset (${Object.keys(PRESETS).join(', ')}), \`all\`, or models from: ${RADIOLOGY_MODELS.join(', ')}.`,
    };
  }
  return { ok: true, models: names };
}
