// Browser test of a deletion on a person's request (issue 21, PIPL Art. 47): the relationship manager
// registers it from the customer's page; the branch supervisor, a second person, carries it out after being
// asked; the customer's page then shows only the number and that the data were erased. Called by run.mjs
// with its helpers.
import assert from 'node:assert/strict';

export async function rightsTests({ test, signIn, BASE, SHOTS, PASSWORD, residentId }) {
  await test('a deletion request is carried out by a second person: the customer is erased, only the number remains', async () => {
    const rm1 = await signIn('rm1');
    const person = {
      kind: 'individual', branch_code: 'BR0001',
      individual: { name_zh: '删除测试员', id_type: 'resident_id', id_number: residentId('11010519690909041'), occupation: '教师' },
      custom: { segment_note: '删除测试' },
      contacts: [{ kind: 'mobile', value: '13700000091' }, { kind: 'email', value: 'erase-me@example.cn' }],
    };
    const [status, text] = await rm1.evaluate(async ([base, pw, p]) => {
      const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'rm1', password: pw }) });
      const { token } = await login.json();
      const r = await fetch(`${base}/api/v1/customers`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(p) });
      return [r.status, await r.text()];
    }, [BASE, PASSWORD, person]);
    assert.equal(status, 201, text);
    const { id, customer_no: no } = JSON.parse(text);

    // Registered from the customer's page, in the customer's words.
    await rm1.goto(`${BASE}/customers/${id}`);
    await rm1.locator('#register-rights').click();
    await rm1.waitForURL(/\/rights\/new/);
    await rm1.locator('#rr-kind').selectOption('deletion');
    await rm1.locator('#rr-detail').fill('客户到网点书面要求删除其全部个人信息');
    await rm1.locator('#rr-submit').click();
    await rm1.waitForURL(/\/rights\/[0-9a-f-]+$/);
    const url = rm1.url();
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
    await sup.locator('#rr-erase').click();
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
}
