import { chromium } from 'playwright-core';
const BASE='http://127.0.0.1:8099', PW='banyan-demo-2026';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
async function as(u){ const c=await browser.newContext({viewport:{width:1280,height:900}}); const p=await c.newPage();
 await p.goto(`${BASE}/login`); await p.locator('input[name=username]').fill(u); await p.locator('input[name=password]').fill(PW);
 await p.locator('form button[type=submit]').click(); await p.waitForURL(`${BASE}/`); return p; }
const rm = await as('rm1');
await rm.goto(`${BASE}/customers?sort=name`);
const links = await rm.locator('table a[href^="/customers/"]').evaluateAll(as=>as.map(a=>a.getAttribute('href')));
let shot=0;
for (const l of links.slice(0,6)) {
  await rm.goto(BASE+l);
  const t = await rm.locator('#book').textContent();
  if (t.includes('AUM') ) { await rm.locator('#book-holdings summary').click().catch(()=>{}); await rm.locator('#book').screenshot({path:`/tmp/demo2/book-${shot++}.png`}); console.log(l, t.replace(/\s+/g,' ').slice(0,300)); }
  if (shot>=2) break;
}
const admin = await as('admin');
await admin.goto(`${BASE}/products`); await admin.screenshot({path:'/tmp/demo2/products.png', fullPage:true});
await admin.goto(`${BASE}/products/new`); await admin.screenshot({path:'/tmp/demo2/product-new.png', fullPage:true});
const ops = await as('ops1');
await ops.goto(`${BASE}/book/loads`); await ops.screenshot({path:'/tmp/demo2/loads.png', fullPage:true});
await browser.close();
