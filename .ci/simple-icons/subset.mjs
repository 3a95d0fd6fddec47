// Writes the subset of simple-icons that Tessera bundles: for each slug in
// assets/issuers/simpleicons.txt, the icon's title, brand colour, SVG path
// and licence data, as assets/issuers/simpleicons.json, and the package's
// licence beside it. Run by `make icons`; building never needs it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const pkg = join(root, '.ci/simple-icons/node_modules/simple-icons');
const version = JSON.parse(readFileSync(join(pkg, 'package.json'))).version;
const data = JSON.parse(readFileSync(join(pkg, 'data/simple-icons.json')));
const all = Array.isArray(data) ? data : data.icons;
const slugs = readFileSync(join(root, 'assets/issuers/simpleicons.txt'), 'utf8')
  .split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

// spacePath rewrites an SVG path with every number apart: simple-icons
// minifies arcs ("a2 2 0 012 2", flags run into the next number), which
// the SVG reader Fyne uses (oksvg) does not parse, dropping the logo.
function spacePath(d) {
  const args = { m: 2, l: 2, h: 1, v: 1, c: 6, s: 4, q: 4, t: 2, a: 7, z: 0 };
  const out = [];
  let i = 0;
  let cmd = '';
  let n = 0; // arguments of the current command read so far
  const number = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;
  while (i < d.length) {
    const ch = d[i];
    if (/[\s,]/.test(ch)) { i++; continue; }
    if (/[a-zA-Z]/.test(ch)) {
      cmd = ch; n = 0; out.push(ch); i++;
      continue;
    }
    const k = args[cmd.toLowerCase()];
    if (cmd.toLowerCase() === 'a' && (n % 7 === 3 || n % 7 === 4)) {
      out.push(ch); i++; n++; // a flag: one digit, 0 or 1
      continue;
    }
    const m = number.exec(d.slice(i));
    if (!m) throw new Error(`bad path at ${i}: ${d.slice(i, i + 10)}`);
    out.push(m[0]); i += m[0].length; n++;
    if (k === 0) throw new Error('number after z');
  }
  return out.join(' ');
}

const icons = slugs.map((slug) => {
  const meta = all.find((i) => i.slug === slug);
  if (!meta) throw new Error(`simple-icons ${version} has no icon ${slug}`);
  const svg = readFileSync(join(pkg, 'icons', `${slug}.svg`), 'utf8');
  const d = /<path d="([^"]+)"/.exec(svg);
  if (!d) throw new Error(`no path in ${slug}.svg`);
  return { slug, title: meta.title, hex: meta.hex, path: spacePath(d[1]), license: meta.license ?? null, guidelines: meta.guidelines ?? null };
});
writeFileSync(join(root, 'assets/issuers/simpleicons.json'),
  JSON.stringify({ source: `simple-icons ${version} (CC0 1.0; see SIMPLE-ICONS-LICENSE.md)`, icons }, null, 1) + '\n');
writeFileSync(join(root, 'assets/issuers/SIMPLE-ICONS-LICENSE.md'), readFileSync(join(pkg, 'LICENSE.md')));
console.log(`wrote ${icons.length} icons from simple-icons ${version}`);
