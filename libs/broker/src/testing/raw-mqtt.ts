import { connect as connectTcp, Socket } from 'node:net';
import type { Cleanups } from '@gridproof/testing';

/**
 * MQTT 3.1.1 packets written by hand, for tests that must control the socket itself (stop
 * reading it, pick the source address) where a client library would read and answer for us.
 * Only what those tests send; the broker's parser is the judge of the bytes.
 */

/** Remaining Length, MQTT 3.1.1 §2.2.3: 7 bits per byte, high bit = more bytes follow. */
function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** A UTF-8 string with its two-byte length prefix (§1.5.3). */
function utf8(value: string | Buffer): Buffer {
  const body = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length);
  return Buffer.concat([length, body]);
}

function packet(typeAndFlags: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([typeAndFlags]), remainingLength(body.length), body]);
}

/** CONNECT (§3.1) with clean session, user name and password, keep alive in seconds. */
export function connectPacket(clientId: string, username: string, password: string, keepAliveS = 60): Buffer {
  const keepAlive = Buffer.alloc(2);
  keepAlive.writeUInt16BE(keepAliveS);
  // Flags: user name (0x80), password (0x40), clean session (0x02).
  const header = Buffer.concat([utf8('MQTT'), Buffer.from([0x04, 0xc2]), keepAlive]);
  return packet(0x10, Buffer.concat([header, utf8(clientId), utf8(username), utf8(password)]));
}

/** SUBSCRIBE (§3.8) of one topic filter at the given QoS. */
export function subscribePacket(messageId: number, topic: string, qos: 0 | 1): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId);
  return packet(0x82, Buffer.concat([id, utf8(topic), Buffer.from([qos])]));
}

/** PUBLISH at QoS 0 (§3.3): no packet identifier, nothing comes back. */
export function publishQos0(topic: string, payload: string | Buffer): Buffer {
  return packet(0x30, Buffer.concat([utf8(topic), typeof payload === 'string' ? Buffer.from(payload) : payload]));
}

/** A TCP socket to the broker, optionally from a given local address (e.g. 127.0.0.2). */
export async function rawSocket(cleanups: Cleanups, port: number, localAddress?: string): Promise<Socket> {
  const socket = connectTcp({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
  socket.on('error', () => undefined);
  cleanups.add(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

/** Reads until the first CONNACK (4 bytes, §3.2) and returns its return code. */
export function readConnack(socket: Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      if (buffered[0] !== 0x20) reject(new Error(`expected a CONNACK, got packet type 0x${buffered[0].toString(16)}`));
      else resolve(buffered[3]);
    };
    const onClose = () => reject(new Error('closed before a CONNACK'));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
