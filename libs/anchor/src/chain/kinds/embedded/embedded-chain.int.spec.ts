import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { chainContractSuite } from '../../chain.contract';
import { EmbeddedChain, EmbeddedChainPortError } from './embedded-chain';

chainContractSuite(
  EmbeddedChain.name,
  async () => {
    const chain = await EmbeddedChain.start({ rpcPort: null });
    return { chain, rpc: (m, p) => chain.send(m, p) };
  },
  (c) => c.chain.close(),
);

describe(`${EmbeddedChain.name} start-up`, () => {
  it('refuses a JSON-RPC port in use with an error naming GP_CHAIN_EMBEDDED_PORT, without an unhandled error later', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const started = EmbeddedChain.start({ rpcPort: port, host: '127.0.0.1' });
      await expect(started).rejects.toBeInstanceOf(EmbeddedChainPortError);
      await expect(started).rejects.toThrow(/127\.0\.0\.1:\d+: the port is in use.*GP_CHAIN_EMBEDDED_PORT/);
      await new Promise((r) => setTimeout(r, 200));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await new Promise((r) => taken.close(r));
    }
  });

  it('serves JSON-RPC over HTTP and WebSocket on its port and releases it on close', async () => {
    const chain = await EmbeddedChain.start({ rpcPort: 0, host: '127.0.0.1' });
    const url = chain.rpcUrl!;
    const rpc = async () => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' });
      return ((await res.json()) as { result: string }).result;
    };
    expect(await rpc()).toBe('0x7a69');
    const ws = new WebSocket(url.replace('http', 'ws'));
    const answer = await new Promise<string>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => ws.send('{"jsonrpc":"2.0","id":2,"method":"eth_chainId","params":[]}'));
      ws.once('message', (data: Buffer) => resolve((JSON.parse(data.toString()) as { result: string }).result));
    });
    expect(answer).toBe('0x7a69');
    await chain.close();
    await expect(rpc()).rejects.toThrow();
    const port = Number(new URL(url).port);
    const again = createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((r) => again.close(r));
  });
});
