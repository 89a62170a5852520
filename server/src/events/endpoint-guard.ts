import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Keeps Subscription endpoints off the server's own network: a tenant must not be able to make the
 * server POST to loopback, private, link-local or carrier-grade NAT addresses (the database, a
 * metadata service, another tenant's LAN box) unless the operator lists the host or range in
 * SUBSCRIPTION_ENDPOINT_ALLOW. Checked when a Subscription is written and again before each
 * delivery, since a name can resolve elsewhere later.
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

export interface EndpointPolicy {
  /** Host names allowed as written. */
  hosts: Set<string>;
  /** Addresses and ranges allowed even though private. */
  ranges: BlockList;
}

/** Parses SUBSCRIPTION_ENDPOINT_ALLOW: comma-separated host names, addresses and CIDRs. */
export function endpointPolicy(setting: string | undefined): EndpointPolicy {
  const hosts = new Set<string>();
  const ranges = new BlockList();
  for (const entry of (setting ?? '').split(',').map((s) => s.trim().toLowerCase())) {
    if (!entry) continue;
    const [address, bits] = entry.split('/');
    const family = isIP(address);
    if (family === 0) hosts.add(entry);
    else if (bits === undefined) ranges.addAddress(address, family === 4 ? 'ipv4' : 'ipv6');
    else ranges.addSubnet(address, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  }
  return { hosts, ranges };
}

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Why the endpoint may not be called, or undefined when it may. */
export async function endpointRefusal(endpoint: string, policy: EndpointPolicy): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'The endpoint is not an absolute URL.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The endpoint must be an http or https URL.';
  if (url.username || url.password) return 'The endpoint must not carry a user name or password; use channel.header instead.';
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (policy.hosts.has(host)) return undefined;
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    return `The endpoint's host ${host} could not be resolved.`;
  }
  for (const raw of addresses) {
    // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
    const address = raw.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
    if (policy.ranges.check(address, family(address))) continue;
    if (PRIVATE.check(address, family(address)))
      return `The endpoint's host ${host} is a loopback or private address; the server does not call into its own network unless SUBSCRIPTION_ENDPOINT_ALLOW lists it.`;
  }
  return undefined;
}
