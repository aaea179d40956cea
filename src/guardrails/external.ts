// Checks that ask something outside the process: a moderation endpoint in the OpenAI moderation API's
// shape, or a configured model acting as a judge (Llama Guard behind vLLM, any chat model). Each is
// bounded by its timeout; a failure is reported as `failed`, and the guardrail's on_error decides.
import type { GuardrailConfig } from '../config/guardrails.ts';
import type { InternalCalls } from '../pipeline/index.ts';
import type { Judge, Judgement } from './judgement.ts';

type External = Extract<GuardrailConfig, { type: 'external' }>;

const failed = (): Judgement => ({ flagged: false, entities: [], failed: true });

/** The deadline of one check, joined with the caller's own abort. */
function deadline(ms: number, signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([timeout, signal]) : timeout;
}

/**
 * POST {model?, input} → `{results: [{flagged, categories: {name: bool}, category_scores: {name: n}}]}`.
 * The flagged categories become the entity types; the highest score is the verdict's score.
 */
export function moderationJudge(config: External): Judge {
  const url = config.url ?? '';
  return async (text, ctx) => {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(config.api_key ? { authorization: `Bearer ${config.api_key}` } : {}),
        },
        body: JSON.stringify({ ...(config.model ? { model: config.model } : {}), input: text }),
        signal: deadline(config.timeout_ms, ctx.signal),
      });
      if (!res.ok) {
        await res.body?.cancel();
        return failed();
      }
      const body = (await res.json()) as { results?: ModerationResult[] };
      const results = Array.isArray(body.results) ? body.results : undefined;
      if (!results) return failed();
      const entities = new Set<string>();
      let score: number | undefined;
      let flagged = false;
      for (const result of results) {
        if (result?.flagged === true) flagged = true;
        for (const [category, hit] of Object.entries(result?.categories ?? {}))
          if (hit === true) entities.add(category);
        for (const value of Object.values(result?.category_scores ?? {}))
          if (typeof value === 'number') score = Math.max(score ?? 0, value);
      }
      if (flagged && entities.size === 0) entities.add('flagged');
      return { flagged, entities: [...entities], ...(score === undefined ? {} : { score }) };
    } catch {
      return failed();
    }
  };
}

interface ModerationResult {
  flagged?: unknown;
  categories?: Record<string, unknown>;
  category_scores?: Record<string, unknown>;
}

const defaultPrompt =
  'You are a content safety classifier. Answer "safe" or "unsafe" on the first line; ' +
  'if unsafe, name the violated categories on the second line, separated by commas.\n\n' +
  'Text to classify:\n{text}';

/**
 * Asks a configured model through the gateway's own calls (authorised, admitted and recorded as
 * `internal:guardrail:<name>`). The answer flags the text when it matches flag_pattern; Llama
 * Guard's second line (`S1,S10`) names the categories.
 */
export function llmJudge(name: string, config: External, calls: InternalCalls): Judge {
  const flag = new RegExp(config.flag_pattern, 'i');
  const prompt = config.prompt ?? defaultPrompt;
  const model = config.model ?? '';
  return async (text, ctx) => {
    try {
      const result = await calls.chat(
        {
          model,
          messages: [{ role: 'user', content: [{ type: 'text', text: prompt.split('{text}').join(text) }] }],
          maxTokens: 64,
          temperature: 0,
        },
        {
          purpose: `guardrail:${name}`,
          ...(ctx.principal ? { principal: ctx.principal } : {}),
          signal: deadline(config.timeout_ms, ctx.signal),
        },
      );
      const answer = result.response.content
        .map((p) => (p.type === 'text' ? p.text : ''))
        .join('')
        .trim();
      if (!flag.test(answer)) return { flagged: false, entities: [] };
      const categories = (answer.split('\n')[1] ?? '')
        .split(/[,\s]+/)
        .map((c) => c.trim())
        .filter((c) => /^[A-Za-z0-9_-]{1,40}$/.test(c));
      return { flagged: true, entities: categories.length > 0 ? categories : ['unsafe'] };
    } catch {
      return failed();
    }
  };
}
