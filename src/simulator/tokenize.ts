/** Longest token, in UTF-16 code units; longer words are cut into pieces of this size. */
export const MAX_TOKEN_CHARS = 8;

function isWhitespace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13 || code === 12 || code === 11;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Splits text into the simulator's "tokens": a word plus the whitespace that follows it.
 * Words longer than {@link MAX_TOKEN_CHARS} are cut into 8-character pieces (never inside a
 * surrogate pair), and the whitespace stays with the last piece. Whitespace at the very start
 * is a token of its own. Joining the tokens gives back the text exactly.
 *
 * This is not a real LLM tokenizer; it only has to be cheap, deterministic and close enough in
 * size (about 4–6 characters per token in English prose) for speeds and usage figures to be
 * believable.
 *
 * @example tokenize("Hello there, wonderful world") // ["Hello ", "there, ", "wonderfu", "l ", "world"]
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const length = text.length;
  let index = 0;
  while (index < length) {
    let start = index;
    let wordEnd = index;
    while (wordEnd < length && !isWhitespace(text.charCodeAt(wordEnd))) wordEnd++;
    let end = wordEnd;
    while (end < length && isWhitespace(text.charCodeAt(end))) end++;
    while (wordEnd - start > MAX_TOKEN_CHARS) {
      let cut = start + MAX_TOKEN_CHARS;
      if (isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
      tokens.push(text.slice(start, cut));
      start = cut;
    }
    tokens.push(text.slice(start, end));
    index = end;
  }
  return tokens;
}
