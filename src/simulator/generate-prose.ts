// Vocabulary for the generated prose: plain English so token sizes look like real model output.
const WORDS: readonly string[] = (
  "the agent stream signal answer careful quiet river measure light system because every" +
  " small change builds toward clear result and data moves through many hands before it" +
  " reaches you so we keep each step honest simple bright patient question under pressure" +
  " tokens arrive in order while others wait their turn a model reasons about context memory" +
  " tools and time then writes what matters most with steady rhythm across the wire network" +
  " latency never quite vanishes yet good design hides it"
).split(" ");

/**
 * A small, fast, seeded pseudo-random generator (mulberry32). The same seed always gives the same
 * sequence, which is what makes generated answers reproducible across runs and machines.
 */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Deterministic pseudo-random English-looking prose of exactly `chars` characters: sentences of
 * 6–16 words, paragraphs of 3–6 sentences. The same `seed` and `chars` always give the same text.
 *
 * @example generateProse(40, 7).length // 40
 */
export function generateProse(chars: number, seed: number): string {
  const random = mulberry32(seed);
  const pick = (): string => WORDS[Math.floor(random() * WORDS.length)] ?? "the";
  let text = "";
  let sentencesLeft = 3 + Math.floor(random() * 4);
  while (text.length < chars) {
    const words = 6 + Math.floor(random() * 11);
    let sentence = pick();
    sentence = sentence.charAt(0).toUpperCase() + sentence.slice(1);
    for (let index = 1; index < words; index++) sentence += " " + pick();
    text += sentence + ".";
    sentencesLeft--;
    if (sentencesLeft === 0) {
      text += "\n\n";
      sentencesLeft = 3 + Math.floor(random() * 4);
    } else {
      text += " ";
    }
  }
  return text.slice(0, chars);
}
