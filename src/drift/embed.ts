// The offline embedder for the topic metric until a configured embeddings model is used: words
// hashed into a fixed number of dimensions.
export function embedTexts(texts: string[]): number[][] {
  return texts.map((text) => {
    const v = new Array<number>(256).fill(0);
    for (const word of text.toLowerCase().match(/\p{L}+/gu) ?? []) {
      let h = 0x811c9dc5;
      for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
      v[(h >>> 0) % 256]! += 1;
    }
    return v;
  });
}
