/** Largest table (rows x columns) aligned exactly; bigger inputs fall back to positional pairing. */
const MAX_CELLS = 4_000_000;

/**
 * Index pairs [i, j] of a longest common subsequence of `a` and `b`, in order. Used to align
 * array elements and text lines so one inserted element reads as one addition, not as every later
 * element changing. Returns no pairs when the inputs are too large to align cheaply.
 */
export function lcsPairs(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0 || n * m > MAX_CELLS) return [];
  // lengths[i * (m + 1) + j] = LCS length of a[i:] and b[j:].
  const lengths = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * (m + 1) + j] =
        a[i] === b[j]
          ? lengths[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(lengths[(i + 1) * (m + 1) + j], lengths[i * (m + 1) + j + 1]);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (lengths[(i + 1) * (m + 1) + j] >= lengths[i * (m + 1) + j + 1]) {
      i++;
    } else {
      j++;
    }
  }
  return pairs;
}

/** One step of an alignment: an element kept, removed from `a` or added from `b`. */
export type AlignStep = { op: 'same'; a: number; b: number } | { op: 'removed'; a: number } | { op: 'added'; b: number };

/** The full alignment of `a` to `b`: matched elements in order, with removals before additions in each gap. */
export function align(a: readonly string[], b: readonly string[]): AlignStep[] {
  // Common prefix and suffix are cheap to match and keep the LCS table small.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const middle = lcsPairs(a.slice(start, endA), b.slice(start, endB)).map(([i, j]): [number, number] => [i + start, j + start]);
  const anchors: Array<[number, number]> = [];
  for (let k = 0; k < start; k++) anchors.push([k, k]);
  anchors.push(...middle);
  for (let k = 0; k < a.length - endA; k++) anchors.push([endA + k, endB + k]);

  const steps: AlignStep[] = [];
  let i = 0;
  let j = 0;
  for (const [ai, bj] of [...anchors, [a.length, b.length] as [number, number]]) {
    for (; i < ai; i++) steps.push({ op: 'removed', a: i });
    for (; j < bj; j++) steps.push({ op: 'added', b: j });
    if (ai < a.length) steps.push({ op: 'same', a: ai, b: bj });
    i = ai + 1;
    j = bj + 1;
  }
  return steps;
}
