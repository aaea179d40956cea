// A complexity score for a prompt, 0 (simple) to 1 (complex), from features that are cheap to see
// in the text: its length, code, mathematics, multi-step instructions, words that ask for analysis or
// design, and whether tools are offered. It is a heuristic, not a model: docs/routing.md gives its
// accuracy on the labelled set in bench/routing/complexity.jsonl (npm run bench:complexity).
import type { ChatRequest } from '../core/ir/index.ts';
import type { Frozen } from '../core/ir/rewrite.ts';

export interface ComplexityFeatures {
  length: number;
  code: number;
  math: number;
  steps: number;
  reasoning: number;
  tools: number;
}

/** How much each feature (each 0..1) adds to the score; the sum is capped at 1. */
export const complexityWeights: ComplexityFeatures = {
  length: 0.6,
  code: 0.7,
  math: 0.7,
  steps: 0.5,
  reasoning: 0.6,
  tools: 0.4,
};

/** Prompts scoring at or above this are "complex" in the benchmark's accuracy. */
export const complexThreshold = 0.5;

/** Text scanned at most: the features are visible long before, and the score must stay cheap. */
const maxChars = 20_000;

const codeFence = /```|^\s{4,}\S.*[;{}]\s*$/m;
const codeTokens =
  /\b(def|class|function|const|let|var|import|return|public|private|static|void|async|await|SELECT|INSERT|UPDATE|JOIN|WHERE|lambda|struct|impl|fn|printf|console\.log|std::|#include)\b|=>|\w+\([^)]*\)\s*[{:]|[{};]\s*$|Traceback|Exception|stack trace|segfault/gm;
const codeAsks =
  /\b(implement|refactor|debug|optimi[sz]e|regex|algorithm|function that|program that|script that|unit tests?|complexity|data structure|concurren\w*|race condition|memory leak|SQL|quer(y|ies)|compile[rs]?|kernel|deadlock|schema|index(es|ing)?|API|database|replica(s|tion)?|cache|caching|latency|throughput|deploy\w*|workflow|encryption|protocol|thread(s|-safe)?|parser|microservices?|Kubernetes|Docker\w*|Terraform|CI|tests?|benchmarks?)\b|\b(Python|Rust|Go|TypeScript|JavaScript|Java|C\+\+|C|Kotlin|Haskell|Solidity|React|Node\.js|Postgres\w*|Redis|Kafka|bash|AWS)\b/g;
const mathMarks =
  /\\(frac|int|sum|sqrt|lim)|∫|∑|√|≤|≥|\b(prove|proof|derive|derivative|integral|integrate|theorem|lemma|eigen\w*|matrix|matrices|probability|expected value|variance|differential equation|polynomial|modulo|prime factor\w*|inequality|induction|converge\w*|optimi[sz]ation problem)\b|\d+\s*[*/^]\s*\d+|[a-z]\s*\^\s*\d|\b[xyz]\s*=\s*[-\d]/gi;
const stepMarks =
  /^\s*(\d+[.)]|[-*•])\s+\S|\b(step[- ]by[- ]step|first,|then,? |after that|finally,|next,|for each|and then|in (three|four|five|several) (steps|parts|sections)|also|additionally|make sure|include|followed by)\b/gim;
const clauseMarks = /[,;:](?=\s)|\bthen\b/g;
const reasoningAsks =
  /\b(analy[sz]e|analysis|design|architect\w*|trade-?offs?|compare|contrast|evaluate|critique|assess|strateg\w*|in detail|comprehensive|pros and cons|justify|reason about|implications?|why does|why do|explain how|explain why|describe how|plan for|migration|scal(e|ing|ability)|threat model|root cause|prove|derive|recommend\w*|investigate|diagnos\w*|walk (me )?through|step by step|propose)\b/gi;

function count(pattern: RegExp, text: string): number {
  pattern.lastIndex = 0;
  let n = 0;
  while (pattern.exec(text) !== null) {
    n++;
    if (n >= 20) break;
  }
  return n;
}

const clamp = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);

export function complexityFeatures(text: string, hasTools = false): ComplexityFeatures {
  const scanned = text.length > maxChars ? text.slice(0, maxChars) : text;
  const words = text.length / 5.5; // characters per English word with its space, near enough
  const code = codeFence.test(scanned)
    ? 1
    : clamp(count(codeTokens, scanned) / 3 + count(codeAsks, scanned) / 3);
  // Parts of the request: each clause (a comma, semicolon, colon or "then") is one more thing to do.
  const clauses = count(clauseMarks, scanned);
  return {
    length: clamp((words - 12) / 50),
    code,
    math: clamp(count(mathMarks, scanned) / 1.5),
    steps: clamp((count(stepMarks, scanned) + clauses / 2) / 4),
    reasoning: clamp(count(reasoningAsks, scanned) / 1.5),
    tools: hasTools ? 1 : 0,
  };
}

export function complexityScore(text: string, hasTools = false): number {
  const f = complexityFeatures(text, hasTools);
  const w = complexityWeights;
  return clamp(
    f.length * w.length +
      f.code * w.code +
      f.math * w.math +
      f.steps * w.steps +
      f.reasoning * w.reasoning +
      f.tools * w.tools,
  );
}

/** The text a chat request asks about: its last user turn, with the system prompt before it. */
export function promptText(req: Frozen<ChatRequest>): string {
  let text = '';
  for (const part of req.system ?? []) text += `${part.text}\n`;
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const message = req.messages[i]!;
    if (message.role !== 'user') continue;
    for (const part of message.content) if (part.type === 'text') text += `${part.text}\n`;
    break;
  }
  return text;
}

export function requestComplexity(req: Frozen<ChatRequest>): number {
  return complexityScore(promptText(req), (req.tools?.length ?? 0) > 0);
}
