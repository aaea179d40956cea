// Decoder for AWS's binary `application/vnd.amazon.eventstream` framing, incremental over chunks
// split anywhere. Each frame: total length, headers length, prelude CRC, headers, payload, CRC.
import { crc32 } from 'node:zlib';
import { GatehouseError } from '../../core/errors/index.ts';

export interface EventFrame {
  headers: Record<string, string | number | boolean>;
  payload: Uint8Array;
}

const maxFrameBytes = 16 * 1024 * 1024;

/**
 * The frames of each body read, as one batch (a read that holds many frames is one async step). A
 * frame that fails its checks is thrown after the frames before it in the same read are delivered.
 */
export async function* eventStreamBatches(
  body: AsyncIterable<Uint8Array>,
  provider = 'bedrock',
): AsyncGenerator<EventFrame[]> {
  let buffer = Buffer.alloc(0);
  const fail = (message: string) =>
    new GatehouseError('GH_UPSTREAM_PROTOCOL', `${provider}: ${message}`, { provider });
  for await (const chunk of body) {
    buffer = buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([buffer, chunk]);
    const frames: EventFrame[] = [];
    try {
      while (buffer.length >= 12) {
        const total = buffer.readUInt32BE(0);
        const headersLength = buffer.readUInt32BE(4);
        if (crc32(buffer.subarray(0, 8)) !== buffer.readUInt32BE(8))
          throw fail('event-stream prelude checksum mismatch');
        if (total < 16 || total > maxFrameBytes || headersLength > total - 16)
          throw fail(`event-stream frame of impossible size ${total}`);
        if (buffer.length < total) break;
        const frame = buffer.subarray(0, total);
        if (crc32(frame.subarray(0, total - 4)) !== frame.readUInt32BE(total - 4))
          throw fail('event-stream message checksum mismatch');
        frames.push({
          headers: decodeHeaders(frame.subarray(12, 12 + headersLength), fail),
          payload: frame.subarray(12 + headersLength, total - 4),
        });
        buffer = buffer.subarray(total);
      }
    } catch (err) {
      if (frames.length > 0) yield frames;
      throw err;
    }
    if (frames.length > 0) yield frames;
  }
  if (buffer.length > 0) throw fail('the event stream ended in the middle of a frame');
}

/** The frames one by one. */
export async function* eventStreamFrames(
  body: AsyncIterable<Uint8Array>,
  provider = 'bedrock',
): AsyncGenerator<EventFrame> {
  for await (const frames of eventStreamBatches(body, provider)) for (const frame of frames) yield frame;
}

function decodeHeaders(bytes: Buffer, fail: (message: string) => GatehouseError): EventFrame['headers'] {
  const headers: EventFrame['headers'] = {};
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) throw fail('truncated event-stream header');
  };
  while (at < bytes.length) {
    need(1);
    const nameLength = bytes.readUInt8(at);
    need(1 + nameLength + 1);
    const name = bytes.toString('utf8', at + 1, at + 1 + nameLength);
    at += 1 + nameLength;
    const type = bytes.readUInt8(at++);
    switch (type) {
      case 0:
      case 1:
        headers[name] = type === 0;
        break;
      case 2:
        need(1);
        headers[name] = bytes.readInt8(at);
        at += 1;
        break;
      case 3:
        need(2);
        headers[name] = bytes.readInt16BE(at);
        at += 2;
        break;
      case 4:
        need(4);
        headers[name] = bytes.readInt32BE(at);
        at += 4;
        break;
      case 5:
      case 8:
        need(8);
        headers[name] = Number(bytes.readBigInt64BE(at));
        at += 8;
        break;
      case 6:
      case 7: {
        need(2);
        const length = bytes.readUInt16BE(at);
        need(2 + length);
        headers[name] =
          type === 7
            ? bytes.toString('utf8', at + 2, at + 2 + length)
            : bytes.toString('base64', at + 2, at + 2 + length);
        at += 2 + length;
        break;
      }
      case 9:
        need(16);
        headers[name] = bytes.toString('hex', at, at + 16);
        at += 16;
        break;
      default:
        throw fail(`unknown event-stream header type ${type}`);
    }
  }
  return headers;
}
