/** The CUDA version a RunPod image's tag names (cuda12.4.1 → 12.4, cu1281 → 12.8), or null. */
export function cudaOfImage(image: string): string | null {
  const tag = image.split('@')[0]!.split(':')[1] ?? '';
  const long = /(?:^|[-_.])cuda(\d+)\.(\d+)/.exec(tag);
  if (long) return `${long[1]}.${long[2]}`;
  const short = /(?:^|[-_.])cu(\d{2})(\d)\d*(?:$|[-_.])/.exec(tag);
  return short ? `${short[1]}.${short[2]}` : null;
}

/** Dotted CUDA versions compared as numbers: 12.10 is newer than 12.9. */
export function compareCuda(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map((part) => Number.parseInt(part, 10) || 0));
  for (let i = 0; i < Math.max(x!.length, y!.length); i++) {
    const diff = (x![i] ?? 0) - (y![i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
