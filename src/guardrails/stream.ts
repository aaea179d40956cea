// Guardrails on a streamed answer, as it flows. Text is held back only while it could still be part
// of a match: at most the longest match a blocking or redacting detector can find, less one
// character (Detector.maxMatchLength), so a card number or an e-mail address split across chunks is
// still caught whole; the rest goes out at once, and what is held is released when a tool call
// begins or the answer ends. Tool-call arguments are held until their call ends, then checked whole.
// Warn and shadow checks only watch: they scan the whole text when the stream is over, and a stream
// with nothing but those keeps its pass-through.
import { type Finding, redactFindings } from '../core/detect/index.ts';
import type { StreamChunk, StreamPart } from '../core/ir/index.ts';
import { type Frozen, rewriteChunk } from '../core/ir/rewrite.ts';
import type { Check, JudgeContext } from './checks.ts';
import { entitiesOf, scanText, scoreOf } from './scan.ts';
import { blocked, outcomeOf, type Verdicts } from './verdicts.ts';

/** Text kept for the watching checks and the judges at the end; past this, the rest is not kept. */
const maxKept = 1024 * 1024;

const enforcing = (c: Check) => !c.shadow && (c.action === 'block' || c.action === 'redact');

export class StreamGuard {
  readonly #verdicts: Verdicts;
  /** Blocking or redacting detectors on the answer's text, and on tool-call arguments. */
  readonly #text: readonly Check[];
  readonly #args: readonly Check[];
  /** json_schema checks: they judge the whole text when the finish arrives, before it goes out. */
  readonly #schemas: readonly Check[];
  readonly #ctx: JudgeContext;
  #pending = '';
  #kept = '';
  readonly #tools = new Map<number, string>();
  readonly #keptArgs: string[] = [];

  constructor(checks: readonly Check[], verdicts: Verdicts, ctx: JudgeContext) {
    this.#verdicts = verdicts;
    this.#ctx = ctx;
    this.#schemas = checks.filter((c) => c.validate);
    this.#text = checks.filter((c) => c.detector && enforcing(c) && c.phases.has('output'));
    this.#args = checks.filter((c) => c.detector && enforcing(c) && c.phases.has('tool_args'));
  }

  /** Whether the stream must be rewritten (something blocks or redacts), or only watched. */
  get rewrites(): boolean {
    return this.#text.length > 0 || this.#args.length > 0;
  }

  /** All the answer's text and tool arguments, for the checks that judge it when the stream is over. */
  get text(): string {
    return this.#kept;
  }

  get toolArguments(): string {
    return this.#keptArgs.join('\n');
  }

  /** Watches a chunk without changing it (a json_schema block may still end the stream). */
  watch(chunk: Frozen<StreamChunk>): void {
    for (const part of chunk.parts) {
      if (part.type === 'finish') this.#validate();
      if (part.type === 'text') this.#keep(part.text);
      else if (part.type === 'tool_call_delta')
        this.#tools.set(part.index, (this.#tools.get(part.index) ?? '') + part.arguments);
      else if (part.type === 'tool_call_end') this.#endTool(part.index, false);
    }
  }

  /** A chunk as the caller may see it; throws the refusal of a block (the stream ends in an error event). */
  step(chunk: Frozen<StreamChunk>): Frozen<StreamChunk> {
    const parts: Frozen<StreamPart>[] = [];
    let changed = false;
    for (const part of chunk.parts) {
      if (part.type === 'text') {
        this.#keep(part.text);
        if (this.#text.length === 0) {
          parts.push(part);
          continue;
        }
        changed = true;
        this.#pending += part.text;
        const out = this.#release(false);
        if (out !== '') parts.push({ type: 'text', text: out });
        continue;
      }
      if (part.type === 'tool_call_start' || part.type === 'finish' || part.type === 'thinking') {
        const out = this.#release(true);
        if (out !== '') {
          changed = true;
          parts.push({ type: 'text', text: out });
        }
      }
      if (part.type === 'finish') this.#validate();
      if (part.type === 'tool_call_delta' && this.#args.length > 0) {
        changed = true;
        this.#tools.set(part.index, (this.#tools.get(part.index) ?? '') + part.arguments);
        continue;
      }
      if (part.type === 'tool_call_delta') {
        this.#tools.set(part.index, (this.#tools.get(part.index) ?? '') + part.arguments);
      }
      if (part.type === 'tool_call_end') {
        const args = this.#endTool(part.index, this.#args.length > 0);
        if (this.#args.length > 0) {
          changed = true;
          if (args !== '') parts.push({ type: 'tool_call_delta', index: part.index, arguments: args });
        }
      }
      parts.push(part);
    }
    return changed ? rewriteChunk(parts) : chunk;
  }

  #validate(): void {
    for (const check of this.#schemas) {
      const started = this.#verdicts.now();
      const judgement = check.validate!(this.#kept, this.#ctx);
      const outcome = judgement.failed ? 'error' : outcomeOf(check, judgement.flagged);
      this.#verdicts.add(check, 'output', { outcome, entities: judgement.entities }, started);
      if (outcome === 'blocked' && !check.shadow) throw blocked(check, 'output', judgement.entities);
    }
  }

  /** Whether a json_schema check may end the stream with an error at its finish. */
  get validates(): boolean {
    return this.#schemas.length > 0;
  }

  #keep(text: string): void {
    if (this.#kept.length < maxKept) this.#kept += text;
  }

  /** The arguments of a finished call, through the enforcing checks when they are held. */
  #endTool(index: number, enforce: boolean): string {
    const args = this.#tools.get(index) ?? '';
    this.#tools.delete(index);
    if (this.#keptArgs.length < 1_000) this.#keptArgs.push(args);
    return enforce ? scanText(this.#args, 'tool_args', args, this.#verdicts) : args;
  }

  /**
   * The held text that can go out: all of it at the end of a text run, else all but what a match
   * could still grow from (and any match that reaches into that), with enforcing matches applied.
   */
  #release(final: boolean): string {
    let buffer = this.#pending;
    if (buffer === '') return '';
    let cut = final ? buffer.length : this.#holdFrom(buffer);
    for (const check of this.#text) {
      const started = this.#verdicts.now();
      const findings = check.detector!.scan(buffer);
      // A match that reaches past the cut is held whole, and so is one that reaches into it then.
      for (let moved = true; moved; ) {
        moved = false;
        for (const f of findings)
          if (f.start < cut && f.end > cut) {
            cut = f.start;
            moved = true;
          }
      }
      const settled = findings.filter((f) => f.end <= cut);
      const entities = entitiesOf(settled);
      // Every scan is timed into the verdict, those that found nothing too.
      this.#verdicts.add(
        check,
        'output',
        { outcome: outcomeOf(check, settled.length > 0), entities, score: scoreOf(settled) },
        started,
      );
      if (settled.length === 0) continue;
      if (check.action === 'block') throw blocked(check, 'output', entities);
      const head = redactFindings(buffer.slice(0, cut), settled as Finding[]);
      buffer = head + buffer.slice(cut);
      cut = head.length;
    }
    this.#pending = buffer.slice(cut);
    return buffer.slice(0, cut);
  }

  /** The earliest place in the held text where an enforcing check's match could still begin. */
  #holdFrom(text: string): number {
    let from = text.length;
    for (const check of this.#text) {
      const at = check.holdFrom ? check.holdFrom(text) : text.length - (check.detector!.maxMatchLength - 1);
      if (at < from) from = at;
    }
    return Math.max(0, from);
  }

  /** The enforcing checks that found nothing still leave a verdict. */
  settle(): void {
    const now = this.#verdicts.now();
    for (const check of this.#text)
      this.#verdicts.add(check, 'output', { outcome: 'passed', entities: [] }, now);
    if (this.#keptArgs.length > 0)
      for (const check of this.#args)
        this.#verdicts.add(check, 'tool_args', { outcome: 'passed', entities: [] }, now);
  }
}
