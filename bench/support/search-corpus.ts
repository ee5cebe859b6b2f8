// The search benchmarks' corpus and queries (bench/search.ts, bench/search-engine-ab.ts): generated,
// deterministic, the same for every run and both engines.

/** The vocabulary and its cumulative Zipf-like weights (word i has weight 1/(i+1)), built once. */
const vocabulary = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}x${((i * 7919) % 997).toString(36)}`);
const cumulative: number[] = [];
vocabulary.reduce((sum, _, i) => (cumulative[i] = sum + 1 / (i + 1)), 0);
const total = cumulative[cumulative.length - 1];

/** `count` words drawn from the vocabulary by a deterministic generator seeded with `seed`. */
function words(count: number, seed: number): string[] {
  let state = seed;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const target = (state / 2 ** 31) * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    out.push(vocabulary[lo]);
  }
  return out;
}

/** Queries of one or two mid-frequency words (ranks 20–400), the same list for both engines. */
export const queries = Array.from({ length: 200 }, (_, i) => words(1 + (i % 2), 1000 + i).join(' ')).map((q, i) => (i % 3 === 0 ? words(1, 5000 + i)[0] : q));

/** Document n's title: 6 words. */
export function corpusTitle(n: number): string {
  return words(6, n + 1).join(' ');
}

/** Document n's body: 200 words. */
export function corpusBody(n: number): string {
  return words(200, 1_000_000 + n).join(' ');
}
