import net, { type LookupFunction } from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * A tripwire for tests that stub DNS with private answers: every `net.connect` in this process
 * (undici's included) gets a lookup that lets through only loopback answers. Were the code under
 * test ever to pass on a private or link-local answer, the connection fails here instead of being
 * made. Returns the non-loopback addresses stopped (expected: none) and a restore function.
 */
export function loopbackOnly(): { stopped: string[]; restore(): void } {
  const stopped: string[] = [];
  const original = net.connect;
  const spy = jest.spyOn(net, 'connect').mockImplementation(((options: net.NetConnectOpts & { lookup?: LookupFunction; host?: string }, ...rest: unknown[]) => {
    if (typeof options === 'object' && options && 'host' in options && net.isIP(options.host ?? '') && !LOOPBACK.test(options.host as string)) {
      stopped.push(options.host as string);
      throw new Error(`tripwire: a test tried to connect to ${options.host}`);
    }
    const lookup = typeof options === 'object' && options && 'lookup' in options ? options.lookup : undefined;
    if (!lookup) return (original as (...args: unknown[]) => net.Socket)(options, ...rest);
    const guarded: LookupFunction = (hostname, lookupOptions, callback) =>
      lookup(hostname, lookupOptions, ((error: Error | null, address: string | { address: string }[], family?: number) => {
        const addresses = Array.isArray(address) ? address.map((one) => one.address) : address ? [address] : [];
        const outside = addresses.filter((one) => !LOOPBACK.test(one));
        if (!error && outside.length) {
          stopped.push(...outside);
          return (callback as (error: Error) => void)(new Error(`tripwire: a test tried to connect to ${outside.join(', ')}`));
        }
        (callback as (...args: unknown[]) => void)(error, address, family);
      }) as never);
    return (original as (...args: unknown[]) => net.Socket)({ ...options, lookup: guarded }, ...rest);
  }) as never);
  return { stopped, restore: () => spy.mockRestore() };
}
