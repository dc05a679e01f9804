import { afterAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type Terminal } from '../../cli/main.js';

async function run(...argv: string[]) {
  return runWith({ stdinIsTTY: false, stderrIsTTY: false, stdoutIsTTY: false }, ...argv);
}

async function runWith(term: Terminal, ...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s), term);
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), 'nicsim-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const aFile = join(tmp, 'a-file');
writeFileSync(aFile, 'not a directory');
/** A directory nobody may write in: a read-only one for ordinary users; root writes anywhere, so a path under /sys. */
const readOnly = (() => {
  if (process.getuid?.() === 0) return '/sys/nicsim-cli-test';
  const d = join(tmp, 'ro');
  mkdirSync(d);
  chmodSync(d, 0o555);
  return d;
})();

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
    // --out is checked before anything runs
    [['demo', '--out', '/proc/nicsim-x'], /^nicsim: --out \/proc\/nicsim-x: cannot create \/proc\/nicsim-x: no such file or directory$/],
    [['demo', '--out', aFile], /^nicsim: --out .*a-file: .*a-file is a file, not a directory$/],
    [['demo', '--out', join(aFile, 'sub')], /^nicsim: --out .*a-file\/sub: cannot use .*: not a directory$/],
    [['demo', '--out', join(readOnly, 'sub')], /^nicsim: --out .*: cannot (create|write in) .*: (operation not permitted|permission denied|read-only file system)$/],
    [['demo', '--out', 'x', '--no-files'], /--out and --no-files contradict each other/],
    // --flip bounds known before the run
    [['demo', '--flip', '2:99999'], /^nicsim: --flip 2:99999: the longest frame the client can send has 12208 line bits \(0\.\.12207\)$/],
    [['demo', '--flip', '2:99999', '--fidelity', 'signal'], /^nicsim: --flip 2:99999: the longest frame the client can send has 15340 code bits/],
    [['demo', '--flip', '0:5'], /--flip expects FRAME:BIT with FRAME >= 1/],
    [['demo', '--corrupt', 'x'], /^nicsim: --corrupt expects FRAME:BYTE with FRAME >= 1 and BYTE >= 0/],
    [['demo', '--corrupt', '0:5'], /^nicsim: --corrupt expects FRAME:BYTE with FRAME >= 1/],
    [['demo', '--corrupt', '2:1514'], /^nicsim: --corrupt 2:1514: the longest frame the router can send has 1514 octets before its FCS \(0\.\.1513\)$/],
    [['ping', 'server.lan', '--corrupt', '2:3'], /^nicsim: --corrupt is an option of 'demo', not of 'ping'$/],
    // ping's options as iputils has them; demo-only options refused
    [['ping', 'server.lan', '--size', '100000'], /^nicsim: --size must be between 0 and 65507, got 100000$/],
    [['ping', 'server.lan', '-s', '-1'], /^nicsim: --size must be between 0 and 65507, got -1$/],
    [['ping', 'server.lan', '--ttl', '0'], /^nicsim: --ttl must be between 1 and 255, got 0$/],
    [['ping', 'server.lan', '--ttl', '300'], /^nicsim: --ttl must be between 1 and 255, got 300$/],
    [['ping', 'server.lan', '-c', '0'], /^nicsim: --count must be between 1 and 1000, got 0$/],
    [['ping', 'server.lan', '-i', '0'], /^nicsim: --interval must be between 0\.001 and 60 seconds, got 0$/],
    [['ping', 'server.lan', '-W', 'soon'], /^nicsim: --timeout expects a number of seconds, got 'soon'$/],
    [['ping', 'server.lan', '--out', 'x'], /^nicsim: --out is an option of 'demo', not of 'ping'$/],
    [['ping', 'server.lan', '--detail', 'hw'], /^nicsim: --detail is an option of 'demo', not of 'ping'$/],
    [['ping', 'server.lan', '--flip', '2:3'], /^nicsim: --flip is an option of 'demo', not of 'ping'$/],
    [['ping', 'server.lan', '--inspect'], /^nicsim: --inspect is an option of 'demo', not of 'ping'$/],
    [['ping', 'server.lan', '--no-files'], /^nicsim: --no-files is an option of 'demo', not of 'ping'$/],
    [['demo', '--count', '3'], /^nicsim: --count is an option of 'ping', not of 'demo'$/],
    [['ping', 'a.lan', 'b.lan'], /ping takes one HOST, got 2/],
    // negative numbers reach the range check
    [['demo', '--ber', '-1'], /^nicsim: --ber must be a bit error rate in \[0, 0\.01\), got -1$/],
    [['demo', '--ber', ''], /^nicsim: --ber expects a bit error rate such as 1e-6, got ''$/],
    [['demo', '--seed', '-3'], /^nicsim: --seed must be between 0 and 4294967295, got -3$/],
    [['lan', '--hub', '--stations', '2', '--size', '64', '--seconds', '-1'], /^nicsim: --seconds must be a number in \(0, 60\], got -1$/],
    [['demo', '--seed'], /^nicsim: --seed needs a value$/],
    [['demo', '--seed', '--json'], /^nicsim: --seed needs a value, got the option '--json'$/],
    [['demo', '--json=yes'], /--json takes no value/],
    [['adapters', 'extra'], /'adapters' takes no arguments, got 'extra'/],
    // copper is at most 100 m
    [['adapters', '--length', '100000'], /^nicsim: --length must be between 0 and 100, got 100000$/],
    [['lan', '--hub', '--stations', '2', '--size', '64', '--length', '101'], /^nicsim: --length must be between 0 and 100, got 101$/],
    [['help', 'nope'], /no help for 'nope'/],
  ])('bad arguments %j: one clear line, exit 2, nothing run', async (argv, msg) => {
    const before = existsSync(join(process.cwd(), 'nicsim-out')) ? readdirSync(join(process.cwd(), 'nicsim-out')).length : -1;
    const r = await run(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.err.trimEnd()).toMatch(msg);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(r.out).toBe(''); // nothing was simulated
    expect(existsSync(join(process.cwd(), 'nicsim-out')) ? readdirSync(join(process.cwd(), 'nicsim-out')).length : -1).toBe(before);
  });

  test('a flip that never happened is reported after the output, exit 2', async () => {
    const never = await run('demo', '--flip', '999:5', '--no-files');
    expect(never.code).toBe(2);
    expect(never.out).toContain('== The journey: the browser resolves www.lan');
    expect(never.err).toBe('nicsim: --flip 999:5: frame 999 was never sent (the client sent 13 frames)\n');
    const short = await run('demo', '--flip', '2:5000', '--no-files');
    expect(short.code).toBe(2);
    expect(short.out).toContain('== switch ==');
    expect(short.err).toBe('nicsim: --flip 2:5000: nothing flipped: frame 2 (id 12) has 576 line bits: bit 5000 not flipped\n');
    const corrupt = await run('demo', '--corrupt', '999:5', '--no-files');
    expect([corrupt.code, corrupt.err]).toEqual([2, 'nicsim: --corrupt 999:5: frame 999 was never sent (the router sent 22 frames)\n']);
    const shortC = await run('demo', '--corrupt', '1:100', '--no-files');
    expect([shortC.code, shortC.err]).toEqual([2, 'nicsim: --corrupt 1:100: nothing damaged: frame 1 (id 3) has 60 octets before its FCS: octet 100 not damaged\n']);
  });

  test('a file that cannot be written after the run loses nothing else: the text is printed, the other files written, exit 1', async () => {
    const dir = join(tmp, 'out-blocked');
    mkdirSync(join(dir, 'capture.pcap'), { recursive: true }); // a directory where a file should go
    const r = await run('demo', '--out', dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('== The journey: the browser resolves www.lan');
    expect(r.out).toContain(join(dir, 'trace.jsonl'));
    expect(r.err).toMatch(/^nicsim: could not write .*capture\.pcap: EISDIR/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    for (const f of ['capture.pcapng', 'capture-wire.pcapng', 'ladder.svg', 'signals.vcd', 'trace.jsonl']) expect(existsSync(join(dir, f))).toBe(true);
  });

  test('demo --json has the switch counters and MAC table of the text summary, which names the drop counter as the README does (rxErrors)', async () => {
    const text = await run('demo', '--no-files', '--flip', '2:400');
    expect(text.out).toContain('port 0 (client): rx 13 frames, tx 14, flooded 3, forwarded 10, filtered 0, rxErrors 1, txDrops 0');
    expect(text.out).toContain('MAC table: 02:00:00:00:00:02→p0, 02:00:00:00:00:35→p1, 02:00:00:00:01:01→p2');
    const j = JSON.parse((await run('demo', '--no-files', '--json', '--flip', '2:400')).out);
    expect(j.switch.ports[0]).toMatchObject({ port: 0, peer: 'client', rxFrames: 13, txFrames: 14, flooded: 3, forwarded: 10, filtered: 0, rxErrors: 1, txDrops: 0 });
    expect(j.switch.ports).toHaveLength(3);
    expect(j.switch.macTable.map((m: { mac: string; port: number }) => `${m.mac}→p${m.port}`)).toEqual(['02:00:00:00:00:02→p0', '02:00:00:00:00:35→p1', '02:00:00:00:01:01→p2']);
  });

  test('the journey is coloured per layer on a terminal, plain when piped or with NO_COLOR', async () => {
    const tty = await runWith({ stdoutIsTTY: true, noColor: false }, 'demo', '--no-files');
    expect(tty.out).toMatch(/\x1b\[35m +1\.501001000s +app +client +browser\[1\] socket on fd 3 → ok\x1b\[0m/);
    expect(tty.out).toMatch(/\x1b\[36m.* stack /);
    expect(tty.out).toMatch(/\x1b\[32m.* driver /);
    expect(tty.out).toMatch(/\x1b\[33m.* hw /);
    expect(tty.out).toMatch(/\x1b\[34m.* wire /);
    expect((await runWith({ stdoutIsTTY: true, noColor: true }, 'demo', '--no-files')).out).not.toContain('\x1b[');
    expect((await runWith({ stdoutIsTTY: false, noColor: false }, 'demo', '--no-files')).out).not.toContain('\x1b[');
  });

  test('-h and help COMMAND print the same text as --help; demo --help lists --flip', async () => {
    for (const cmd of ['demo', 'ping', 'adapters', 'lan', 'encode', 'decode', 'regs']) {
      const long = await run(cmd, '--help');
      expect(long.code).toBe(0);
      expect((await run(cmd, '-h')).out).toBe(long.out);
      expect((await run('help', cmd)).out).toBe(long.out);
    }
    expect((await run('demo', '-h')).out).toMatch(/--flip FRAME:BIT/);
    expect((await run('demo', '-h')).out).toMatch(/--corrupt FRAME:BYTE/);
  });

  test('ping implements -c, -s, -t, -i and -W as iputils has them', async () => {
    const r = await run('ping', 'server.lan', '-c', '2', '-s', '1400', '-i', '0.2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PING server\.lan \(10\.0\.1\.2\) 1400\(1428\) bytes of data\.\n1408 bytes from 10\.0\.1\.2: icmp_seq=1 ttl=63 time=/);
    expect(r.out).toMatch(/2 packets transmitted, 2 received, 0% packet loss, time 200ms/);
    const big = await run('ping', 'server.lan', '-c1', '-s', '65507');
    expect(big.out).toMatch(/65515 bytes from 10\.0\.1\.2: icmp_seq=1 ttl=63/); // fragmented and reassembled
    const ttl = await run('ping', 'server.lan', '-c', '1', '-t', '1', '-W', '0.5');
    expect(ttl.code).toBe(1); // no reply
    expect(ttl.out).toMatch(/From 10\.0\.0\.1 icmp_seq=1 Time to live exceeded/);
  });

  test('decode: damaged input exits 1; on a terminal with no input it prints a hint instead of waiting', async () => {
    const enc = JSON.parse((await run('encode', '--phy', '10BASE-T', '--json', '55', 'd5', '01')).out) as { levels: number[] };
    expect((await run('decode', '--phy', '10BASE-T', enc.levels.join(','))).code).toBe(0);
    enc.levels[20] ^= 1;
    const bad = await run('decode', '--phy', '10BASE-T', enc.levels.join(','));
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/code-violation/);
    const tty = await runWith({ stdinIsTTY: true }, 'decode', '--phy', '10BASE-T');
    expect(tty.code).toBe(2);
    expect(tty.err).toBe('nicsim: decode: give the levels as arguments or pipe them in, e.g. nicsim encode --phy 10BASE-T --json 55 d5 | nicsim decode --phy 10BASE-T\n');
  });

  test('lan: a progress bar with the time left on a terminal, and a warning for a run on course to take very long', async () => {
    let clock = 0;
    const slow = await runWith({ stderrIsTTY: true, now: () => (clock += 10_000) }, 'lan', '--hub', '--stations', '2', '--size', '1518', '--seconds', '0.2');
    expect(slow.code).toBe(0);
    expect(slow.err).toMatch(/\[#*\.*\] +\d+% {2}simulated \d\.\d{3} of 0\.305 s · .* events\/s · about \d+ (h|min|s)/);
    expect(slow.err).toMatch(/nicsim: warning: at this pace the run takes about \d+ min \d\d s in all/);
    expect(slow.err.endsWith('\r\x1b[K')).toBe(true); // the bar is wiped at the end
    clock = 0;
    const piped = await runWith({ stderrIsTTY: false, now: () => (clock += 1) }, 'lan', '--hub', '--stations', '2', '--size', '1518', '--seconds', '0.2');
    expect(piped.err).toBe(''); // quick and piped: quiet
  });

  test('ping HOST resolves the name on the demo network and prints ping output', async () => {
    const r = await run('ping', 'server.lan', '--count', '2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PING server\.lan \(10\.0\.1\.2\) 56\(84\) bytes of data\./);
    expect(r.out).toMatch(/2 packets transmitted, 2 received, 0% packet loss/);
    const bad = await run('ping', 'nowhere.lan', '--count', '1');
    expect(bad.code).toBe(2); // iputils: unknown host
    expect(bad.out).toBe('');
    expect(bad.err).toBe('ping: nowhere.lan: NXDOMAIN (from 10.0.0.53)\n'); // the name once
  });
});
