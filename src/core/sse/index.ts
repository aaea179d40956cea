// Server-sent events as both sides write them: the surfaces encode their streams with it, and the
// providers decode upstream streams into these events (providers/sse.ts).

export interface SseEvent {
  event?: string;
  data: string;
}

/** Encodes one SSE event. */
export function sseFrame(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}
