// Browser test of duplicate customers (issue 21): a person registered twice is found by the scan, compared
// field by field and proposed for a merge by the branch supervisor; the proposer cannot approve it; a reviewer
// approves it, the merged record redirects to the one kept, and the reviewer undoes it with a reason. Every
// step in words, every risky step asked first. Called by run.mjs with its helpers.
import { go } from './browser.mjs';
import assert from 'node:assert/strict';

export async function mergeTests({ test, signIn, BASE, SHOTS, PASSWORD, residentId }) {
  await test('a duplicate found by the scan is merged with four eyes, redirects to the record kept, and is undone', async () => {
    const rm1 = await signIn('rm1');
    const person = (seq, mobile, email, occupation) => ({
      kind: 'individual', branch_code: 'BR0001',
      individual: { name_zh: '合并测试员', id_type: 'resident_id', id_number: residentId(`11010519770707${seq}`), occupation },
      // The bank made this field required earlier in the walk.
      custom: { segment_note: '合并测试' },
      contacts: [{ kind: 'mobile', value: mobile }, { kind: 'email', value: email }, { kind: 'address', value: `北京市东城区测试路${seq}号` }],
    });
    const made = await rm1.evaluate(async ([base, pw, people]) => {
      const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'rm1', password: pw }) });
      const { token } = await login.json();
      const out = [];
      for (const p of people) {
        const r = await fetch(`${base}/api/v1/customers`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(p) });
        out.push([r.status, await r.text()]);
      }
      return out;
    }, [BASE, PASSWORD, [person('031', '13700000071', 'hb1@example.cn', '教师'), person('037', '13700000072', 'hb2@example.cn', '律师')]]);
    for (const [status, text] of made) assert.equal(status, 201, text);
    await rm1.context().close();

    // The branch supervisor scans, finds the pair and proposes the merge, keeping the second record's occupation.
    const sup = await signIn('sup1');
    await sup.goto(`${BASE}/customers/duplicates`);
    await go(sup, sup.locator('#dup-scan'));
    await sup.waitForURL(/scanned=/);
    assert.ok(sup.asked.some((q) => q.includes('立即比对全行客户')), sup.asked.join('|'));
    assert.ok((await sup.locator('p.notice').textContent()).includes('比对完成'));
    const row = sup.locator('#duplicates tr', { hasText: '合并测试员' }).first();
    const line = await row.textContent();
    assert.ok(line.includes('姓名及出生日期相同') && line.includes('85'), line);
    await sup.screenshot({ path: `${SHOTS}/duplicates.png`, fullPage: true });
    await go(sup, row.locator('a', { hasText: '比对并合并' }));
    await sup.waitForURL(/\/customers\/merge\?/);
    const fields = await sup.locator('#merge-fields').textContent();
    assert.ok(fields.includes('职业') && fields.includes('教师') && fields.includes('律师'), fields);
    assert.ok(!fields.includes('individual.') && !fields.includes('id_number'), fields);
    await sup.locator('input[name="choice.individual.occupation"][value=merged]').check();
    await sup.locator('#merge-note').fill('同一客户，第二条记录证件号末位录错');
    await sup.screenshot({ path: `${SHOTS}/merge-compare.png`, fullPage: true });
    await go(sup, sup.locator('#merge-propose'));
    await sup.waitForURL(/\/customers\/merges\/[0-9a-f-]+$/);
    assert.ok(sup.asked.some((q) => q.includes('提交合并申请')), sup.asked.join('|'));
    assert.equal((await sup.locator('#merge-status').textContent()).trim(), '待审批');
    // Four eyes: the proposer is not offered the approval.
    assert.equal(await sup.locator('#merge-approve').count(), 0);
    const mergeUrl = sup.url();
    await sup.context().close();

    // A reviewer finds it waiting, approves it.
    const rev = await signIn('rev1');
    await rev.goto(`${BASE}/customers/merges?status=proposed`);
    await go(rev, rev.locator('#merges tbody a').first());
    await rev.waitForURL(mergeUrl);
    await go(rev, rev.locator('#merge-approve'));
    await rev.waitForURL(mergeUrl);
    assert.ok(rev.asked.some((q) => q.includes('批准后立即合并')), rev.asked.join('|'));
    assert.equal((await rev.locator('#merge-status').textContent()).trim(), '已合并');
    const moved = await rev.locator('#merge-moved').textContent();
    assert.ok(moved.includes('联系方式'), moved);
    const body = await rev.locator('main').textContent();
    assert.ok(!/\b(done|proposed|customer_contacts|survivor)\b/.test(body), body);
    await rev.screenshot({ path: `${SHOTS}/merge-done.png`, fullPage: true });
    const [survivorHref, mergedHref] = [await rev.locator('dl.facts a').nth(0).getAttribute('href'), await rev.locator('dl.facts a').nth(1).getAttribute('href')];

    // The merged record stands as a redirect; the kept one lists it and took the occupation chosen.
    await rev.goto(`${BASE}${mergedHref}`);
    const banner = await rev.locator('#merged-into').textContent();
    assert.ok(banner.includes('合并至'), banner);
    assert.ok((await rev.locator('main').textContent()).includes('已合并'));
    await rev.screenshot({ path: `${SHOTS}/merged-record.png`, fullPage: true });
    await go(rev, rev.locator('#merged-into a').first());
    await rev.waitForURL(`${BASE}${survivorHref}`);
    assert.ok((await rev.locator('#merged-from').textContent()).includes('已并入此记录的客户'));
    assert.ok((await rev.locator('main').textContent()).includes('律师'));

    // Undone, with a reason: both records stand again.
    await rev.goto(mergeUrl);
    await rev.locator('#mu-note').fill('核实后为两位客户');
    await go(rev, rev.locator('#merge-undo'));
    await rev.waitForURL(mergeUrl);
    assert.ok(rev.asked.some((q) => q.includes('撤销这次合并')), rev.asked.join('|'));
    assert.equal((await rev.locator('#merge-status').textContent()).trim(), '已撤销合并');
    await rev.goto(`${BASE}${mergedHref}`);
    assert.equal(await rev.locator('#merged-into').count(), 0);
    await rev.context().close();
  });
}
