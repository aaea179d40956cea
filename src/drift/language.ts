// A small offline language guess, for the language mix of drift detection: the script of the
// letters first (CJK, Cyrillic, Arabic…), then, for Latin text, which language's commonest words
// it uses most. Good enough to see "a tenth of the traffic turned Spanish"; not a classifier.

const scripts: Array<[string, RegExp]> = [
  ['ja', /[\u3040-\u30ff]/g],
  ['zh', /[\u4e00-\u9fff]/g],
  ['ko', /[\uac00-\ud7af]/g],
  ['ru', /[\u0400-\u04ff]/g],
  ['ar', /[\u0600-\u06ff]/g],
  ['he', /[\u0590-\u05ff]/g],
  ['hi', /[\u0900-\u097f]/g],
  ['el', /[\u0370-\u03ff]/g],
  ['th', /[\u0e00-\u0e7f]/g],
];

const words: Record<string, string> = {
  en: 'the and is are of to in it you that this for with what how not have be on can my do',
  es: 'el la los las de que y en es un una por para con no como qué cómo mi se lo del',
  fr: 'le la les des de et est un une que qui pour pas dans ce sur avec je vous comment mon du',
  de: 'der die das und ist nicht ein eine ich du wie was mit für auf zu den dem von mein',
  pt: 'o a os as de que e é um uma para com não em do da como meu você se no na',
  it: 'il lo la gli le di che e è un una per con non come mio sono in del della',
  nl: 'de het een en is van dat niet ik je hoe wat met voor op zijn mijn te',
};
const lexicon = new Map<string, Set<string>>(
  Object.entries(words).map(([lang, list]) => [lang, new Set(list.split(' '))]),
);

/** An ISO 639-1 code, or 'unknown' when the text gives too little to go on. */
export function guessLanguage(text: string): string {
  const sample = text.slice(0, 2000);
  const letters = sample.replace(/[\s\d\p{P}\p{S}]/gu, '').length;
  if (letters === 0) return 'unknown';
  for (const [lang, pattern] of scripts) {
    if ((sample.match(pattern)?.length ?? 0) / letters > 0.3) return lang;
  }
  const tokens = sample.toLowerCase().match(/\p{L}+/gu) ?? [];
  let best = 'unknown';
  let bestHits = 1; // at least two function words before naming a language
  for (const [lang, set] of lexicon) {
    let hits = 0;
    for (const token of tokens) if (set.has(token)) hits++;
    if (hits > bestHits) {
      best = lang;
      bestHits = hits;
    }
  }
  return best;
}
