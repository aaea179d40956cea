// What routing rules and experiments may ask of a request: who sends it, its headers and tags, its
// size, tools and images, and its complexity. The costlier answers are worked out on first use
// only, so a rule that tests the team never scans the prompt.
import type { IncomingHttpHeaders } from 'node:http';
import { estimateRequestTokens } from '../core/ir/estimate.ts';
import type { ChatRequest } from '../core/ir/index.ts';
import type { Frozen } from '../core/ir/rewrite.ts';
import { requestComplexity } from './complexity.ts';

export interface Caller {
  keyId?: string | undefined;
  keyName?: string | undefined;
  teamId?: string | undefined;
  userId?: string | undefined;
  /** The master key has no key id: it is sticky as itself. */
  master?: boolean;
}

export class RequestFacts {
  readonly caller: Caller;
  readonly #headers: IncomingHttpHeaders;
  readonly tags: Readonly<Record<string, string>> | undefined;
  /** Undefined for embeddings: they have no prompt to score. */
  readonly chat: Frozen<ChatRequest> | undefined;
  readonly #outputTokens: number;
  #inputTokens: number | undefined;
  #complexity: number | undefined;
  #images: boolean | undefined;

  constructor(input: {
    caller: Caller;
    headers: IncomingHttpHeaders;
    tags?: Readonly<Record<string, string>> | undefined;
    chat?: Frozen<ChatRequest> | undefined;
    /** Estimated input tokens when the caller knows them already (embeddings). */
    inputTokens?: number;
    outputTokens?: number;
  }) {
    this.caller = input.caller;
    this.#headers = input.headers;
    this.tags = input.tags;
    this.chat = input.chat;
    this.#inputTokens = input.inputTokens;
    this.#outputTokens = input.outputTokens ?? input.chat?.maxTokens ?? 4096;
  }

  header(name: string): string | undefined {
    const value = this.#headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  get inputTokens(): number {
    this.#inputTokens ??= this.chat ? estimateRequestTokens(this.chat) : 0;
    return this.#inputTokens;
  }

  get outputTokens(): number {
    return this.#outputTokens;
  }

  get complexity(): number {
    this.#complexity ??= this.chat ? requestComplexity(this.chat) : 0;
    return this.#complexity;
  }

  get tools(): boolean {
    return (this.chat?.tools?.length ?? 0) > 0;
  }

  get images(): boolean {
    if (this.#images === undefined) {
      this.#images = false;
      for (const message of this.chat?.messages ?? [])
        for (const part of message.content) if (part.type === 'image') this.#images = true;
    }
    return this.#images;
  }
}
