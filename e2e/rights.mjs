// Browser test of a deletion on a person's request (issue 21, PIPL Art. 47): the relationship manager
// registers it from the customer's page; the branch supervisor, a second person, carries it out after being
// asked; the customer's page then shows only the number and that the data were erased. Called by run.mjs
// with its helpers.
import { go } from './browser.mjs';
import assert from 'node:assert/strict';

export async function rightsTests({ test, signIn, BASE, SHOTS, PASSWORD, residentId }) {
  // A customer of rm1's created through the API (the page that creates one is tested elsewhere).
  const createPerson = async (rm1, person) => {
    const [status, text] = await rm1.evaluate(async ([base, pw, p]) => {
      const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'rm1', password: pw }) });
      const { token } = await login.json();
      const r = await fetch(`${base}/api/v1/customers`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(p) });
      return [r.status, await r.text()];
    }, [BASE, PASSWORD, person]);
    assert.equal(status, 201, text);
    return JSON.parse(text);
  };
  // The manager registers a deletion from the customer's page; its page's address.
  const registerDeletion = async (rm1, id) => {
    await rm1.goto(`${BASE}/customers/${id}`);
    await go(rm1, rm1.locator('#register-rights'));
    await rm1.waitForURL(/\/rights\/new/);
    await rm1.locator('#rr-kind').selectOption('deletion');
    await rm1.locator('#rr-detail').fill('客户到网点书面要求删除其全部个人信息');
    await go(rm1, rm1.locator('#rr-submit'));
    await rm1.waitForURL(/\/rights\/[0-9a-f-]+$/);
    return rm1.url();
  };

  await test('a deletion request is carried out by a second person: the customer is erased, only the number remains', async () => {
    const rm1 = await signIn('rm1');
    const { id, customer_no: no } = await createPerson(rm1, {
      kind: 'individual', branch_code: 'BR0001',
      individual: { name_zh: '删除测试员', id_type: 'resident_id', id_number: residentId('11010519690909041'), occupation: '教师' },
      custom: { segment_note: '删除测试' },
      contacts: [{ kind: 'mobile', value: '13700000091' }, { kind: 'email', value: 'erase-me@example.cn' }],
    });

    // Registered from the customer's page, in the customer's words.
    const url = await registerDeletion(rm1, id);
    assert.ok((await rm1.locator('#rr-blocker').textContent()).includes('执行删除'));
    // Not by whoever registered it.
    assert.equal(await rm1.locator('#rr-erase').count(), 0);
    await rm1.context().close();

    // The supervisor carries it out after being asked; nothing keeps the records, so they go at once.
    const sup = await signIn('sup1');
    await sup.goto(url);
    assert.ok((await sup.locator('#rr-erase-form').textContent()).includes('无法恢复'));
    await sup.screenshot({ path: `${SHOTS}/rights-erase.png`, fullPage: true });
    await sup.locator('#re-note').fill('已按您的要求删除全部个人信息');
    await go(sup, sup.locator('#rr-erase'));
    await sup.waitForURL((u) => u.pathname === new URL(url).pathname);
    assert.ok(sup.asked.some((q) => q.includes('此操作无法撤销')), sup.asked.join('|'));
    assert.equal((await sup.locator('#rr-status').textContent()).trim(), '已答复');
    assert.ok((await sup.locator('#rr-erasure').textContent()).includes('已删除'));
    const page = await sup.locator('main').textContent();
    assert.ok(!page.includes('删除测试员') && !/\b(erased|done|deletion)\b/.test(page), page);
    await sup.screenshot({ path: `${SHOTS}/rights-erased.png`, fullPage: true });

    // The customer's page: the number and the fact, nothing to edit.
    await sup.goto(`${BASE}/customers/${id}`);
    const main = await sup.locator('main').textContent();
    assert.ok(main.includes(no) && main.includes('已删除'), main);
    assert.ok(!main.includes('删除测试员') && !main.includes('教师') && !main.includes('erase-me'), main);
    assert.ok((await sup.locator('#closed-note').textContent()).includes('应其请求删除'));
    assert.equal((await sup.locator('h1').textContent()).trim(), `已删除的客户 ${no}`);
    for (const offered of ['#register-rights', '#register-case', '#edit', '#wealth-link']) {
      assert.equal(await sup.locator(offered).count(), 0, offered);
    }
    await sup.screenshot({ path: `${SHOTS}/customer-erased.png`, fullPage: true });
    await sup.context().close();
  });

  await test('a checker places a legal hold from the customer page: a deletion only restricts until the hold is lifted', async () => {
    const rm1 = await signIn('rm1');
    const { id } = await createPerson(rm1, {
      kind: 'individual', branch_code: 'BR0001',
      individual: { name_zh: '保全测试员', id_type: 'resident_id', id_number: residentId('11010519700101052'), occupation: '律师' },
      custom: { segment_note: '保全测试' },
      contacts: [{ kind: 'mobile', value: '13700000092' }],
    });
    // A manager is not offered it.
    await rm1.goto(`${BASE}/customers/${id}`);
    assert.equal(await rm1.locator('#legal-holds').count(), 0);

    const sup = await signIn('sup1');
    await sup.goto(`${BASE}/customers/${id}`);
    await go(sup, sup.locator('#legal-holds'));
    await sup.waitForURL(/\/legal-holds$/);
    assert.ok((await sup.locator('#hold-count').textContent()).includes('共 0 项'));
    await sup.locator('#hold-reason').fill('杭州市中级人民法院（2026）浙01民初123号协助保全通知');
    await sup.locator('#hold-place').click();
    await sup.locator('#holds tbody tr').waitFor();
    assert.ok(sup.asked.some((q) => q.includes('只限制处理')), sup.asked.join('|'));
    const row = await sup.locator('#holds tbody tr').first().textContent();
    assert.ok(row.includes('浙01民初123号') && row.includes('生效中') && row.includes('至解除为止'), row);
    assert.ok((await sup.locator('#hold-count').textContent()).includes('1 项生效中'));

    // The deletion meanwhile restricts, naming the hold; its page links to the holds.
    const url = await registerDeletion(rm1, id);
    await rm1.context().close();
    await sup.goto(url);
    await sup.locator('#re-note').fill('依法保全期间限制处理，保全解除后删除');
    await sup.locator('#rr-erase').click();
    await sup.locator('#rr-erasure').waitFor();
    const erasure = await sup.locator('#rr-erasure').textContent();
    assert.ok(erasure.includes('限制处理') && erasure.includes('法律保全'), erasure);
    await go(sup, sup.locator('#rr-holds'));
    await sup.waitForURL(/\/legal-holds$/);

    // Lifted with the reason, after being told what follows.
    await sup.locator('.hold-lift summary').click();
    await sup.locator('.hold-lift input[name=note]').fill('案件已审结，保全解除');
    await sup.locator('.hold-lift button[type=submit]').click();
    await sup.locator('.hold-state', { hasText: '已解除' }).waitFor();
    assert.ok(sup.asked.some((q) => q.includes('无法恢复')), sup.asked.join('|'));
    const lifted = await sup.locator('#holds tbody tr').first().textContent();
    assert.ok(lifted.includes('案件已审结') && !lifted.includes('生效中'), lifted);
    await sup.screenshot({ path: `${SHOTS}/legal-holds.png`, fullPage: true });
    await sup.context().close();
  });
}
