/**
 * A minimal SVG writer: escaping, number formatting and element strings. Output is well-formed
 * XML by construction — every text and attribute value goes through {@link escapeXml}, which also
 * replaces the characters XML 1.0 forbids even when escaped — and deterministic: numbers are
 * printed with at most one decimal, attributes in the order given.
 * @module
 */

/** Attribute values of an element; `undefined` leaves the attribute out. */
export type SvgAttrs = Readonly<Record<string, string | number | undefined>>;

// Characters not allowed in an XML 1.0 document: C0 controls other than tab, LF and CR, lone
// surrogates, U+FFFE and U+FFFF.
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Escapes text for XML character data and attribute values (`& < > " '`), replacing forbidden characters with U+FFFD. */
export function escapeXml(s: string): string {
  return s.replace(FORBIDDEN, '\ufffd').replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

/** Formats a coordinate or length with at most one decimal (`12`, `12.5`, never `-0`). */
export function num(x: number): string {
  const r = Math.round(x * 10) / 10;
  return r === 0 ? '0' : String(r);
}

function attrs(a: SvgAttrs): string {
  let s = '';
  for (const k of Object.keys(a)) {
    const v = a[k];
    if (v === undefined) continue;
    s += ` ${k}="${escapeXml(typeof v === 'number' ? num(v) : v)}"`;
  }
  return s;
}

/** An element with already-rendered children (self-closing when there are none). */
export function el(tag: string, a: SvgAttrs, ...children: string[]): string {
  const body = children.join('');
  return body === '' ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${body}</${tag}>`;
}

/** A `<text>` element whose content is escaped. */
export function textEl(a: SvgAttrs, text: string): string {
  return `<text${attrs(a)}>${escapeXml(text)}</text>`;
}

/** A `<title>` (a tooltip in browsers) with escaped content. */
export function titleEl(text: string): string {
  return `<title>${escapeXml(text)}</title>`;
}

/** Width estimate of `text` in a monospace font of `fontSize` px (0.6 em per character; wide symbols count as one). */
export function monoWidth(text: string, fontSize: number): number {
  let n = 0;
  for (const _ of text) n++;
  return n * fontSize * 0.6;
}

/** Shortens `text` with a trailing `…` so it is at most `maxChars` characters long. */
export function ellipsize(text: string, maxChars: number): string {
  const chars = [...text];
  if (chars.length <= maxChars) return text;
  return maxChars <= 1 ? '…' : chars.slice(0, maxChars - 1).join('') + '…';
}

/** A complete SVG document (XML declaration, namespace, size, viewBox) around `body`. */
export function svgDocument(width: number, height: number, body: string, extra: SvgAttrs = {}): string {
  const w = num(width);
  const h = num(height);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg${attrs({ xmlns: 'http://www.w3.org/2000/svg', width: w, height: h, viewBox: `0 0 ${w} ${h}`, ...extra })}>\n${body}\n</svg>\n`;
}
