/**
 * The upper half's module rules: its public symbols are exported from `stack/index.ts`, and its
 * sources import only the simulator, the stack itself and the network-device types — no
 * hardware, no other driver code, no host time.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as stack from '../../stack/index.js';

const STACK = join(dirname(fileURLToPath(import.meta.url)), '../../stack');
const FILES = ['udp.ts', ...['socket', 'apps', 'tools'].flatMap((d) => readdirSync(join(STACK, d)).map((f) => `${d}/${f}`))];

describe('stack/index.ts', () => {
  test('exports the upper half', () => {
    for (const name of ['Udp', 'UdpSocket', 'Process', 'SocketError', 'SocketLayer', 'ProtocolSwitch', 'DnsResolver', 'DnsServer', 'EchoServer', 'ping', 'formatPing', 'arp', 'formatArp', 'route', 'formatRoute', 'ipRoute', 'formatIpRoute', 'netstat', 'formatNetstat', 'ipLink', 'formatIpLink', 'socketTable']) {
      expect(typeof (stack as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(stack.SOCK_STREAM).toBe(1);
    expect(stack.AF_INET).toBe(2);
    expect(stack.UDP_MAX_PAYLOAD).toBe(65_507);
  });
});

describe('upper-half sources', () => {
  test.each(FILES)('%s imports only sim/, the stack and driver/netdev.ts types', (file) => {
    const src = readFileSync(join(STACK, file), 'utf8');
    for (const m of src.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)) {
      const spec = m[3];
      expect(spec, `${file}: ${spec}`).toMatch(/\.js$/);
      expect(spec, `${file}: ${spec}`).not.toMatch(/\/hw\//);
      if (spec.includes('/driver/')) {
        expect(spec, file).toMatch(/\/driver\/netdev\.js$/);
        expect(m[2], `${file} must import driver types with import type`).toBe('type ');
      }
    }
    expect(src).not.toMatch(/Math\.random\(|Date\.now\(|setTimeout\(|setInterval\(|performance\.now\(/);
  });
});
