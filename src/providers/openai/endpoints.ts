// Where and how each provider type serving the OpenAI dialect is called: the only differences
// between OpenAI, Azure OpenAI and the compatible servers are the URLs and the auth header.
import type { AzureOpenAIConfig, OpenAICompatibleConfig, OpenAIConfig } from './config.ts';

export interface OpenAIEndpoints {
  chatUrl(model: string): string;
  embeddingsUrl(model: string): string;
  /** Configured extras, then auth and content type (the HttpClient adds the propagated headers). */
  headers: Record<string, string>;
}

export function openaiEndpoints(config: OpenAIConfig): OpenAIEndpoints {
  const base = trimmed(config.base_url || 'https://api.openai.com/v1');
  const auth: Record<string, string> = { authorization: `Bearer ${config.api_key}` };
  if (config.organization) auth['openai-organization'] = config.organization;
  if (config.project) auth['openai-project'] = config.project;
  return {
    chatUrl: () => `${base}/chat/completions`,
    embeddingsUrl: () => `${base}/embeddings`,
    headers: withConfigured(config.headers, auth),
  };
}

/** Azure names the deployment, not the model, in the path; the target's `model` is the deployment. */
export function azureOpenAIEndpoints(config: AzureOpenAIConfig): OpenAIEndpoints {
  const base = trimmed(config.base_url);
  const version = encodeURIComponent(config.api_version);
  const deployment = (model: string) => `${base}/openai/deployments/${encodeURIComponent(model)}`;
  return {
    chatUrl: (model) => `${deployment(model)}/chat/completions?api-version=${version}`,
    embeddingsUrl: (model) => `${deployment(model)}/embeddings?api-version=${version}`,
    headers: withConfigured(config.headers, { 'api-key': config.api_key }),
  };
}

/** Local servers (vLLM, Ollama, llama.cpp) often need no key, so the bearer is sent only when set. */
export function openaiCompatibleEndpoints(config: OpenAICompatibleConfig): OpenAIEndpoints {
  const base = trimmed(config.base_url);
  const auth: Record<string, string> = config.api_key ? { authorization: `Bearer ${config.api_key}` } : {};
  return {
    chatUrl: () => `${base}/chat/completions`,
    embeddingsUrl: () => `${base}/embeddings`,
    headers: withConfigured(config.headers, auth),
  };
}

function withConfigured(
  configured: Record<string, string> | undefined,
  auth: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(configured ?? {})) headers[key.toLowerCase()] = value;
  return { ...headers, ...auth, 'content-type': 'application/json' };
}

function trimmed(url: string): string {
  return url.replace(/\/+$/, '');
}
