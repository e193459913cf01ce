// Every page as every role in every language: a crawl of the workbench of a demo server (BASE_URL; staff
// USERS, comma-separated, share PASSWORD) from each home page, following every same-site link. It fails on
// a broken link (any answer >= 400, downloads included), and on any word a bank's staff could not read: a
// UUID, a JSON brace, a snake_case or dotted key, a lowercase code, or an English sentence on a Chinese page.
// CSV downloads must start with a UTF-8 BOM (Excel on Windows) and, on a Chinese page, have Chinese headers;
// XLSX downloads are opened (a zip of XML) and their cells read like a page's text.
// axe-core (WCAG 2.2 AA) checks each page shape once per role; serious and critical violations are findings.
// Prints every finding with its page and role, and a closing "N pages, N findings"; exits 1 on any finding.
import { accessibility, launch, go } from './browser.mjs';
import { inflateRawSync } from 'node:zlib';
const BASE = process.env.BASE_URL;
const PASSWORD = process.env.PASSWORD;
const USERS = (process.env.USERS || '').split(',').filter(Boolean);
const LANGS = (process.env.LANGS || 'zh-CN,zh-TW,en').split(',');
// Pages of one shape (the same path with other IDs) visited at most this often per role and language.
const PER_SHAPE = Number(process.env.PER_SHAPE || 2);

const browser = await launch();

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/// The shape of a link: IDs and numbers in the path and every query value replaced.
function shape(url) {
  const u = new URL(url);
  const path = u.pathname.split('/').map((s) => (UUID.test(s) || /\d/.test(s) ? ':id' : s)).join('/');
  const keys = [...u.searchParams.keys()].filter((k) => k !== 'msg').sort().join('&');
  return keys ? `${path}?${keys}` : path;
}

/// Links that change state or leave the page's language are not followed.
function followable(url) {
  const u = new URL(url);
  if (u.origin !== new URL(BASE).origin) return false;
  if (u.pathname === '/logout' || u.pathname === '/lang' || u.pathname.startsWith('/static/')) return false;
  if (u.pathname.startsWith('/api/')) return false;
  return true;
}

function isDownload(url) {
  const p = new URL(url).pathname;
  // A stored file (a case's attachment, a lead's or a care record's document) is a download too: fetched, never opened as a page.
  return /\.(csv|xlsx)$/.test(p) || /\/(export|download)\b/.test(p) || /\/(files|attachments|documents)\/[0-9a-f-]{36}$/.test(p);
}

/// The files of a zip (an XLSX) by name, inflated: read from the central directory at its end.
function unzip(buf) {
  const files = new Map();
  let end = buf.length - 22;
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error('not a zip file');
  let at = buf.readUInt32LE(end + 16);
  for (let i = 0; i < buf.readUInt16LE(end + 10); i += 1) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error('broken zip directory');
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    const data = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(data, data + size);
    files.set(name, method === 8 ? inflateRawSync(raw) : raw);
    at += 46 + nameLen + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return files;
}

/// The text of every cell of an XLSX (shared and inline strings), one per line; the first sheet's first
/// row (its headings) apart.
function xlsxText(buf) {
  const files = unzip(buf);
  const texts = (xml) => [...xml.matchAll(/<t(?:\s[^>]*)?>([^<]*)<\/t>/g)].map((m) => m[1]
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'));
  const shared = files.has('xl/sharedStrings.xml') ? texts(files.get('xl/sharedStrings.xml').toString('utf8')) : [];
  const cells = [];
  let header = '';
  for (const [name, body] of files) {
    if (!/^xl\/worksheets\/sheet\d+\.xml$/.test(name)) continue;
    const xml = body.toString('utf8');
    const rows = [...xml.matchAll(/<row[^>]*>([\s\S]*?)<\/row>/g)].map((r) => [...r[1].matchAll(/<c([^>]*)>([\s\S]*?)<\/c>/g)]
      .map((c) => (/t="s"/.test(c[1]) ? shared[Number((c[2].match(/<v>(\d+)<\/v>/) || [])[1])] : texts(c[2]).join('')) || ''));
    if (!header && rows.length) header = rows[0].join(' ');
    for (const r of rows) cells.push(...r);
  }
  return { header, text: cells.join('\n') };
}

/// What a reader would stumble over in the visible text of a page.
function findings(text, lang, allowed) {
  const out = [];
  const add = (rule, m) => out.push(`${rule}: «${text.slice(Math.max(0, m.index - 25), m.index + m[0].length + 25).replace(/\s+/g, ' ')}»`);
  // E-mail addresses and host names are data, not codes.
  const scrubbed = text.replace(/[\w.*+-]+@[\w.-]+/g, ' ').replace(/\bhttps?:\/\/\S+/g, ' ');
  const rules = [
    ['UUID', UUID],
    ['JSON', /[{}]|"\w+"\s*:/],
    ['snake_case key', /\b[a-z][a-z0-9]*_[a-z0-9_]+\b/],
    ['dotted key', /\b[a-z][a-z_]+\.[a-z][a-z_]+\b/],
    ['path index', /\w\[\d+\]/],
  ];
  if (lang !== 'en') {
    rules.push(['lowercase code', /(?<![\w.@-])[a-z]{3,}(?![\w@-])/g]);
    rules.push(['English sentence', /\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}/]);
  }
  for (const [rule, re] of rules) {
    const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
    for (const m of scrubbed.matchAll(g)) {
      if (allowed.has(m[0])) continue;
      add(rule, m);
      break;
    }
  }
  return out;
}

const report = [];
let pages = 0;
let axed = 0;
let xlsx = 0;

async function crawl(user, lang) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: false,
    // axe-core is injected as a script; the workbench's CSP (script-src 'self') would refuse it.
    bypassCSP: true, });
  const page = await context.newPage();
  await page.goto(`${BASE}/login`);
  await page.locator('input[name=username]').fill(user);
  await page.locator('input[name=password]').fill(PASSWORD);
  await go(page, page.locator('form button[type=submit]'));
  await page.waitForURL(`${BASE}/`);
  await page.goto(`${BASE}/lang?l=${lang}&back=%2F`);
  const allowed = new Set([...USERS]);
  const seen = new Map();
  const visited = new Set();
  const queue = [`${BASE}/`];
  const from = new Map();
  while (queue.length) {
    const url = queue.shift();
    if (visited.has(url)) continue;
    visited.add(url);
    const s = shape(url);
    if ((seen.get(s) || 0) >= PER_SHAPE) continue;
    seen.set(s, (seen.get(s) || 0) + 1);
    const found = from.has(url) ? ` (linked from ${new URL(from.get(url)).pathname})` : '';
    const where = `${user} ${lang} ${new URL(url).pathname}${new URL(url).search}${found}`;
    if (isDownload(url)) {
      const r = await context.request.get(url);
      if (r.status() >= 400) report.push(`${where}: broken download (${r.status()})`);
      const type = r.headers()['content-type'] || '';
      if (type.includes('csv')) {
        const body = await r.body();
        if (!(body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf)) report.push(`${where}: CSV without a UTF-8 BOM`);
        const header = body.toString('utf8').replace(/^\uFEFF/, '').split('\n')[0];
        if (lang !== 'en' && /[a-z]{3,}/.test(header)) report.push(`${where}: CSV header not in the page's language: ${header.slice(0, 80)}`);
      } else if (type.includes('spreadsheetml')) {
        const { header, text } = xlsxText(await r.body());
        if (lang !== 'en' && /[a-z]{3,}/.test(header)) report.push(`${where}: XLSX header not in the page's language: ${header.slice(0, 80)}`);
        for (const f of findings(text, lang, allowed)) report.push(`${where} (XLSX cells): ${f}`);
        xlsx += 1;
      }
      pages += 1;
      continue;
    }
    const resp = await page.goto(url, { waitUntil: 'domcontentloaded' });
    pages += 1;
    if (!resp || resp.status() >= 400) {
      report.push(`${where}: broken link (${resp ? resp.status() : 'no answer'})`);
      continue;
    }
    // Visible text, and the words of every option of every select (closed selects hide them).
    // What a user types literally (a template variable, marked data-literal) is not a code on screen.
    const text = await page.evaluate(() => {
      for (const e of document.querySelectorAll('[data-literal]')) {
        e.textContent = ' ';
        e.removeAttribute('placeholder');
      }
      const opts = [...document.querySelectorAll('option')].map((o) => o.textContent).join('\n');
      const titles = [...document.querySelectorAll('[title],[placeholder],[aria-label]')]
        .flatMap((e) => [e.getAttribute('title'), e.getAttribute('placeholder'), e.getAttribute('aria-label')])
        .filter(Boolean).join('\n');
      return `${document.title}\n${document.body.innerText}\n${opts}\n${titles}`;
    });
    for (const f of findings(text, lang, allowed)) report.push(`${where}: ${f}`);
    if (lang === LANGS[0] && seen.get(s) === 1) {
      for (const f of await accessibility(page)) report.push(`${user} ${s}: ${f}`);
      axed += 1;
    }
    const links = await page.evaluate(() => [...document.querySelectorAll('a[href]')].map((a) => a.href));
    for (const l of links) {
      const clean = l.split('#')[0];
      if (clean && followable(clean) && !visited.has(clean)) {
        if (!from.has(clean)) from.set(clean, url);
        queue.push(clean);
      }
    }
  }
  await context.close();
}

for (const user of USERS) {
  for (const lang of LANGS) {
    await crawl(user, lang);
  }
}
await browser.close();
const unique = [...new Set(report)];
for (const line of unique) console.log(line);
console.log(`${pages} pages (${axed} checked by axe-core, ${xlsx} XLSX files read), ${unique.length} findings`);
process.exit(unique.length ? 1 : 0);
