import { describe, expect, test } from 'vitest';
import { main } from '../../cli/main.js';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('nicsim CLI', () => {
  test('adapters: two bare adapters narrate the journey of a frame', async () => {
    const r = await run('adapters');
    expect(r.code).toBe(0);
    expect(r.out).toContain('PHY link up: 1000 Mb/s full duplex (autoneg)');
    expect(r.out).toMatch(/on the wire: preamble\+SFD, 63 bytes of frame, FCS — 600 bits/);
    expect(r.out).toContain('payload: "Hello from host A, carried as electrical signals!"');
    expect(r.out).toContain('framesReceivedByB: 1');
    const j = await run('adapters', '--json', '--speed', '10');
    expect(JSON.parse(j.out)).toMatchObject({ link: '10 Mb/s full duplex', framesSentByA: 1, framesReceivedByB: 1, bytesOnWire: 75 });
  });

  test('regs lists the map, shows one register and decodes a value', async () => {
    expect((await run('regs')).out).toMatch(/0x00100 +RCTL +RW/);
    expect((await run('regs', 'RAH')).out).toContain('31     AV');
    const d = await run('regs', 'RCTL', '0x0400801a');
    expect(d.out).toContain('EN           = 1');
    expect(d.out).toContain('BAM          = 1');
    expect(d.out).toContain('SECRC        = 1');
    expect(JSON.parse((await run('regs', 'ICR', '0x84', '--json')).out).fields.filter((f: { value: number }) => f.value).map((f: { name: string }) => f.name)).toEqual(['LSC', 'RXT0']);
  });

  test('encode/decode round-trip through the JSON form for every PHY, delimiters included', async () => {
    const hex = '55 55 55 55 55 55 55 d5 ff ff ff ff ff ff 02 00 00 00 00 01 08 06';
    for (const phy of ['10BASE-T', '100BASE-TX', '1000BASE-X']) {
      const enc = JSON.parse((await run('encode', '--phy', phy, '--json', ...hex.split(' '))).out) as { codeGroups: string[]; levels: number[] };
      expect(enc.levels.length).toBeGreaterThan(22 * 8);
      const dec = JSON.parse((await run('decode', '--phy', phy, '--json', JSON.stringify({ levels: enc.levels }))).out);
      expect(dec).toEqual({ bytes: hex, errors: [] });
      if (phy === '100BASE-TX') expect(enc.codeGroups.slice(10, 12)).toEqual(['11000', '10001']); // /J/K/ after the idle
      if (phy === '1000BASE-X') expect(enc.codeGroups).toContain('0001010111'); // K27.7 (/S/) from negative disparity
    }
    // MLT-3 without the scrambler: code groups and levels agree (NRZI → 3 levels)
    const plain = JSON.parse((await run('encode', '--phy', '100BASE-TX', '--json', '--no-scramble', '55')).out) as { levels: number[] };
    expect(plain.levels.every((v) => v === -1 || v === 0 || v === 1)).toBe(true);
  });

  test('decode reports a code violation', async () => {
    const enc = JSON.parse((await run('encode', '--phy', '10BASE-T', '--json', '55', 'd5', '01')).out) as { levels: number[] };
    enc.levels[20] ^= 1;
    const dec = JSON.parse((await run('decode', '--phy', '10BASE-T', '--json', enc.levels.join(','))).out);
    expect(dec.errors[0]).toMatchObject({ kind: 'code-violation', index: 10 });
  });

  test('lan runs the shared-medium study', async () => {
    const r = JSON.parse((await run('lan', '--hub', '--stations', '3', '--size', '1518', '--seconds', '0.2', '--json')).out);
    expect(r.stations).toHaveLength(3);
    expect(r.utilization).toBeGreaterThan(0.9);
    expect(r.utilization).toBeLessThanOrEqual(1518 / 1538);
    expect(r.collisionsPerFrame).toBeGreaterThan(0);
    const fast = JSON.parse((await run('lan', '--hub', '--stations', '2', '--size', '1518', '--seconds', '0.05', '--phy', '100BASE-TX', '--json')).out);
    expect(fast.params.speedMbps).toBe(100);
    expect(fast.framesPerSecond).toBeGreaterThan(7000); // ~8,127 max-size frames/s at 100 Mb/s
  });

  test.each([
    [['bogus'], /unknown command 'bogus'/],
    [['adapters', '--speed', '42'], /--speed must be 10, 100 or 1000/],
    [['demo', '--seed', 'x'], /--seed expects a whole number/],
    [['demo', '--nope'], /nicsim: .*nope/],
    [['demo', '--detail', 'everything'], /--detail must be one of app, stack, driver, hw, wire/],
    [['demo', '--fidelity', 'x'], /--fidelity must be frame or signal/],
    [['demo', '--ber', '0.5'], /--ber must be a bit error rate/],
    [['demo', '--flip', 'x'], /--flip expects FRAME:BIT/],
    [['demo', '--phy', 'T1'], /unknown PHY 'T1'/],
    [['ping'], /ping needs one HOST/],
    [['lan', '--hub', '--stations', '2', '--size', '64', '--phy', '1000BASE-X'], /hubs run at 10BASE-T or 100BASE-TX/],
    [['lan', '--hub', '--stations', '2', '--size', '64', '--ber', '1e-6'], /a hub has none/],
    [['regs', 'NOPE'], /unknown register 'NOPE'/],
    [['regs', 'RCTL', 'zz'], /'zz' is not a number/],
    [['encode', '--phy', 'x', '55'], /unknown PHY 'x'/],
    [['encode', '--phy', '10BASE-T', 'xyz'], /hexadecimal/],
    [['decode', '--phy', '10BASE-T', '7 7'], /levels must be -1, 0 or 1/],
    [['lan', '--stations', '2', '--size', '64'], /lan needs --hub/],
    [['lan', '--hub', '--stations', '99', '--size', '64'], /--stations must be between 1 and 64/],
  ])('bad arguments %j: one clear line, exit 2', async (argv, msg) => {
    const r = await run(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  test('ping HOST resolves the name on the demo network and prints ping output', async () => {
    const r = await run('ping', 'server.lan', '--count', '2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PING server\.lan \(10\.0\.1\.2\) 56\(84\) bytes of data\./);
    expect(r.out).toMatch(/2 packets transmitted, 2 received, 0% packet loss/);
    const bad = await run('ping', 'nowhere.lan', '--count', '1');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/ping: nowhere\.lan: /);
  });
});
