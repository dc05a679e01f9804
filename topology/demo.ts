/**
 * What the demo network serves, shared by `nicsim demo` and the browser view so both tell the
 * same journey: the DNS zone and the web page (5,000 bytes, so the reply takes four segments).
 * @module
 */

/** The DNS server's zone: `www.lan` is the web server. */
export const DEMO_ZONE: Readonly<Record<string, string>> = Object.freeze({ 'www.lan': '10.0.1.2', 'server.lan': '10.0.1.2', 'dns.lan': '10.0.0.53', 'router.lan': '10.0.0.1', 'client.lan': '10.0.0.2' });

/** The web page the demo's server serves at `/`: 5,000 bytes, so the reply takes four segments. */
export const DEMO_PAGE = demoPage(5000);

/** An HTML page of exactly `size` characters (ASCII). */
function demoPage(size: number): string {
  const head = '<!doctype html>\n<html><head><title>www.lan</title></head><body>\n<h1>A page larger than one segment</h1>\n';
  const tail = '</body></html>\n';
  let body = '';
  for (let i = 1; head.length + body.length + tail.length < size; i++) body += `<p>Line ${String(i).padStart(3, '0')}: the browser's request and this reply travel as TCP segments, IP datagrams and Ethernet frames.</p>\n`;
  const all = head + body;
  return all.slice(0, size - tail.length) + tail;
}
