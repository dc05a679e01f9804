/**
 * The page in a real browser: Debian's chromium, headless, driven by playwright-core. Skipped (with
 * the reason) only when /usr/bin/chromium cannot be launched; .ci/run installs it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startViewServer, type ViewServer } from '../../cli/view.js';
import { defaultConfig } from '../../view/model/scenario.js';
import { replay } from '../../view/model/session.js';
import { registerRows, ringView, irqView } from '../../view/model/inspect.js';
import { createLineCodec, type PhyKind } from '../../hw/phy/linecode/index.js';
import { appendFcs } from '../../hw/mac/fcs.js';

const CHROMIUM = '/usr/bin/chromium';
/** Line bit 441: octet 55 (8 of preamble and SFD, 14 of Ethernet, 20 of IPv4, 13 into TCP: the flags), bit 1: SYN. */
const FLIP_BIT = 441;
/**
 * Where the screenshot goes: docs/view.png (the README's) when it is missing or when
 * NICSIM_VIEW_SCREENSHOT=docs/view.png asks for it, else a scratch file, so a test run does not
 * rewrite a committed image (chromium's PNG bytes vary from run to run).
 */
const SCREENSHOT = process.env.NICSIM_VIEW_SCREENSHOT ?? (existsSync('docs/view.png') ? join(tmpdir(), `nicsim-view-${process.pid}.png`) : 'docs/view.png');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const profile = mkdtempSync(join(tmpdir(), 'nicsim-view-chromium-'));
let ctx: BrowserContext | null = null;
let cannot: string | null = null;
try {
  ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1440, height: 1000 } });
} catch (e) {
  cannot = `${CHROMIUM} cannot be launched (${(e instanceof Error ? e.message : String(e)).split('\n')[0]}); install Debian's chromium (apt-get install chromium) to run the browser tests`;
  console.warn(`test/view/browser.test.ts skipped: ${cannot}`);
}

describe.skipIf(cannot !== null)(cannot === null ? 'nicsim view in headless chromium' : `nicsim view in headless chromium — skipped: ${cannot}`, () => {
  let server: ViewServer;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startViewServer({ port: 0 });
    page = ctx!.pages()[0] ?? (await ctx!.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready=true]', { timeout: 15_000 });
  }, 30_000);

  afterAll(async () => {
    await ctx?.close();
    await server?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  const instant = async () => Number(await page.getAttribute('#instant', 'data-instant'));
  const until = async (fn: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 200; i++) {
      if (await fn()) return;
      await page.waitForTimeout(25);
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('loads with nothing run, no script error', async () => {
    expect(await instant()).toBe(0);
    expect(await page.textContent('#stop')).toMatch(/^ready/);
    expect(errors).toEqual([]);
  });

  it('runs to the first interrupt: registers, rings and IRQ show what the library reports at that instant', async () => {
    await page.click('#next-irq');
    await until(async () => (await page.textContent('#stop'))!.startsWith('an interrupt line was asserted'), 'the first interrupt');
    const at = await instant();
    expect(at).toBeGreaterThan(0);
    const nicName = await page.$eval('#nic', (s) => (s as unknown as { selectedOptions: ArrayLike<{ text: string }> }).selectedOptions[0].text);
    // the library, in Node, replayed to the same instant
    const s = await replay(defaultConfig(), at);
    const hosts = s.scenario.hosts;
    const k = hosts.flatMap((h) => h.nics).findIndex((n) => n.name === nicName);
    const nic = hosts.flatMap((h) => h.nics)[k];
    const driver = hosts.flatMap((h) => h.drivers)[k];
    expect(irqView(nic).level).toBe(true);
    expect(await page.getAttribute('#irq', 'data-level')).toBe('true');
    expect(await page.getAttribute('#irq', 'data-icr')).toBe('0x' + irqView(nic).icr.toString(16).padStart(8, '0'));
    const shownRegs = await page.$$eval('#regs tbody tr', (rows) => rows.map((r) => [r.getAttribute('data-reg'), r.querySelector('td.value')!.textContent]));
    expect(shownRegs).toEqual(registerRows(nic).map((r) => [r.name, '0x' + r.value.toString(16).padStart(8, '0')]));
    for (const which of ['tx', 'rx'] as const) {
      const ring = ringView(nic, which, driver);
      const el = `#ring-${which}`;
      expect(await page.getAttribute(el, 'data-head')).toBe(String(ring.head));
      expect(await page.getAttribute(el, 'data-tail')).toBe(String(ring.tail));
      expect(await page.getAttribute(el, 'data-ntu')).toBe(String(ring.nextToUse ?? ''));
      expect(await page.getAttribute(el, 'data-ntc')).toBe(String(ring.nextToClean ?? ''));
      expect(await page.getAttribute(el, 'data-count')).toBe(String(ring.count));
      expect(await page.$$eval(`${el} path.seg.dd`, (p) => p.length)).toBe(ring.descs.filter((d) => d.statusBits.includes('DD')).length);
    }
  });

  it('keyboard: s steps exactly one simulator event', async () => {
    const before = await instant();
    await page.focus('body');
    await page.keyboard.press('s');
    await until(async () => (await instant()) === before + 1, 'one event');
  });

  it('flips a bit of the SYN: the switch drops it on its FCS, the page says which layer and counter', async () => {
    let summary = '';
    for (let i = 0; i < 60 && !summary.includes('[SYN]'); i++) {
      const n = await instant();
      await page.click('#next-frame');
      await until(async () => (await instant()) !== n, 'the next frame');
      summary = (await page.textContent('#frame-summary')) ?? '';
    }
    expect(summary).toMatch(/^TCP 10\.0\.0\.2:\d+ → 10\.0\.1\.2:80 \[SYN\]/);
    expect(await page.getAttribute('#frame-detail', 'data-fcs')).toBe('ok');
    const frameId = Number(await page.inputValue('#flip-frame'));
    await page.fill('#flip-bit', String(FLIP_BIT));
    await page.click('#flip-apply');
    await until(async () => (await page.textContent('#stop'))!.startsWith('faults applied'), 'the rerun with the fault');
    await page.click(`#frames li[data-frame-id="${frameId}"]`);
    await until(async () => (await page.getAttribute('#frame-detail', 'data-fcs')) === 'bad', 'the damaged frame');
    expect(await page.textContent('#frame-summary')).toMatch(/bad FCS$/);
    expect(await page.textContent('#fields tr[data-field="FCS"] td.bad')).toMatch(/CRC-32 of the bytes is 0x[0-9a-f]{8}/);
    expect(await page.getAttribute(`#conseq li[data-frame="${frameId}"]`, 'data-caught')).toBe('p0.rxErrors');
    expect(await page.textContent(`#conseq li[data-frame="${frameId}"]`)).toMatch(/caught by switch \(wire layer\): FCS error/);
    expect(await page.inputValue('#share')).toContain(`flip=${frameId}%3A${FLIP_BIT}`);
    // the screenshot the README shows: the client adapter, the damaged frame
    // the damaged SYN no longer has its SYN flag, yet looks like a plausible segment: only the FCS tells
    expect(await page.textContent('#frame-summary')).toMatch(/^TCP 10\.0\.0\.2:\d+ → 10\.0\.1\.2:80 \[\] .*bad FCS$/);
    await page.selectOption('#nic', { label: 'client' });
    await page.evaluate('window.scrollTo(0, 0)');
    const png = await page.screenshot({ path: SCREENSHOT });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1440); // IHDR width
  });

  it('clicking a narration line shows that instant, replayed; back to live returns', async () => {
    const liveInstant = await instant();
    const line = page.locator('#narr li[data-instant]').nth(20);
    const want = Number(await line.getAttribute('data-instant'));
    await line.click();
    await until(async () => (await instant()) === want, 'the replayed instant');
    expect(await page.textContent('#past')).toContain(`Showing the instant after event ${want}`);
    await page.click('#back');
    await until(async () => (await instant()) === liveInstant, 'the live run');
  });

  it('hovering a descriptor shows its fields and buffer bytes', async () => {
    await page.selectOption('#nic', { label: 'client' });
    await page.hover('#ring-tx path.seg[data-i="0"]');
    await until(async () => !(await page.getAttribute('#tip', 'class'))!.includes('hidden'), 'the tooltip');
    const tip = (await page.textContent('#tip'))!;
    expect(tip).toMatch(/^TX descriptor 0\nbuffer 0x[0-9a-f]{8} {2}length 42\nSTA DD {2}CMD EOP IFCS RS/);
    expect(tip).toContain('buffer bytes (42):\nff ff ff ff ff ff 02 00 00 00 00 02 08 06 00 01'); // the client's first frame: its ARP request
  });

  it('restart, a breakpoint set from the page, run at a speed: stops when the TCP connection is established', async () => {
    await page.focus('body');
    await page.keyboard.press('r');
    await until(async () => (await instant()) === 0, 'the restart');
    await page.selectOption('#bp-kind', 'state');
    await page.fill('#bp-text', 'tcp:ESTABLISHED');
    await page.click('#bp-add');
    expect(await page.textContent('#bp-list')).toContain("state machine 'tcp' enters ESTABLISHED");
    expect(new URL(await page.inputValue('#share')).searchParams.getAll('bp')).toEqual(['state:tcp:ESTABLISHED']);
    await page.selectOption('#speed', '100000000');
    await page.click('#run');
    await until(async () => (await page.textContent('#stop'))!.startsWith("breakpoint: state machine 'tcp' enters ESTABLISHED"), 'the breakpoint');
    expect(await page.getAttribute('#run', 'aria-pressed')).toBe('false');
    // the TCP machine's drawing follows the connection that just changed: ESTABLISHED filled, the step into it emphasised
    expect(await page.getAttribute('#machines .m[data-machine="tcp"]', 'data-state')).toBe('ESTABLISHED');
    const svg = '#machines .mach[data-machine="tcp"] svg.machine';
    expect(await page.$$eval(`${svg} g.st.cur`, (gs) => gs.map((g) => g.getAttribute('data-state')))).toEqual(['ESTABLISHED']);
    expect(await page.$$eval(`${svg} g.st`, (gs) => gs.length)).toBe(12); // 11 states, CLOSED drawn twice as in RFC 9293 figure 5
    const taken = await page.$$eval(`${svg} g.tr.taken`, (gs) => gs.map((g) => `${g.getAttribute('data-from')}>${g.getAttribute('data-to')}`));
    expect(taken).toHaveLength(1);
    expect(['SYN-SENT>ESTABLISHED', 'SYN-RECEIVED>ESTABLISHED']).toContain(taken[0]);
    expect(await page.getAttribute(svg, 'aria-label')).toMatch(/^tcp state machine: 11 states, 49 transitions; current state ESTABLISHED; last step SYN-(SENT|RECEIVED) –(RCV_SYN_ACK|ACK_OF_SYN)→ ESTABLISHED$/);
    expect(await page.textContent('#machines .mach[data-machine="tcp"] details')).toContain('ESTABLISHED –CLOSE→ FIN-WAIT-1');
  });

  it('breakpoints come back from the address; a malformed one is left out with a message on the page', async () => {
    const q = new URLSearchParams([['seed', '2'], ['bp', 'cause:RXT0@client'], ['bp', 'reg:NOPE'], ['bp', 'state:tcp:ESTABLISHED']]);
    await page.goto(`${server.url}?${q}`);
    await page.waitForSelector('body[data-ready=true]', { timeout: 15_000 });
    expect(await page.textContent('#stop')).toBe("breakpoint left out: bp 'reg:NOPE': no register named 'NOPE' in the adapter's register table (e.g. TDT, RDT, IMS, CTRL)");
    expect(await page.$$eval('#bp-list li', (lis) => lis.map((l) => l.firstChild!.textContent!.trim()))).toEqual(['client: ICR.RXT0 set', "state machine 'tcp' enters ESTABLISHED"]);
    expect(new URL(await page.inputValue('#share')).search).toBe('?seed=2&bp=cause%3ARXT0%40client&bp=state%3Atcp%3AESTABLISHED');
    await page.selectOption('#speed', '100000000');
    await page.click('#run');
    await until(async () => (await page.textContent('#stop'))!.startsWith('breakpoint: client: ICR.RXT0 set'), 'the restored breakpoint');
  });

  it('the browser build of CRC-32 and the line codecs agree with Node on random inputs', async () => {
    let x = 12345;
    const rnd = (n: number) =>
      Array.from({ length: n }, () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x & 0xff;
      });
    const inputs = Array.from({ length: 40 }, (_, i) => rnd((i * 97) % 1600));
    const browserCrc = await page.evaluate((arrs) => arrs.map((a) => (globalThis as unknown as { nicsimView: { crc32: (b: Uint8Array) => number } }).nicsimView.crc32(Uint8Array.from(a))), inputs);
    expect(browserCrc).toEqual(inputs.map((a) => zlibCrc32(Uint8Array.from(a)) >>> 0));
    for (const kind of ['10BASE-T', '100BASE-TX', '1000BASE-X'] as PhyKind[]) {
      const frames = Array.from({ length: 5 }, (_, i) => {
        const body = rnd(60 + i * 131);
        const line = new Uint8Array(8 + body.length + 4);
        line.fill(0x55, 0, 7);
        line[7] = 0xd5;
        line.set(body, 8);
        appendFcs(line, 8, 8 + body.length);
        return Array.from(line);
      });
      const inPage = await page.evaluate(([k, fs]) => fs.map((f) => (globalThis as unknown as { nicsimView: { encodeLine: (k: string, b: number[]) => unknown } }).nicsimView.encodeLine(k as string, f as number[])), [kind, frames] as const);
      expect(inPage).toEqual(
        frames.map((f) => {
          const s = createLineCodec(kind).encodeFrame(Uint8Array.from(f));
          return { levels: Array.from(s.levels), codeGroups: [...s.codeGroups] };
        }),
      );
    }
    expect(errors).toEqual([]);
  });
});
