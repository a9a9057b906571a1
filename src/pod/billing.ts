import { formatMoney } from '../util/format.js';

/** The sentence every message uses for a pod that may still cost money: written once, here. */
export function stillBillingSentence(costPerHr: number, certainty: 'is' | 'may be' = 'is'): string {
  return certainty === 'is'
    ? `The pod is still running and billing ${formatMoney(costPerHr)}/hr. \`/monai stop\` stops it.`
    : `It may still be running and billing ${formatMoney(costPerHr)}/hr.`;
}
