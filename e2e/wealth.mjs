// Browser tests of suitability at the moment of sale (issue 17): the customer (assessed balanced at the branch
// earlier in the walk) is refused an R4 fund in words naming the rule; a private product's sale cools off, the
// sales list says until when, and the client's cancellation is asked first and recorded; compliance reads the
// suitability report with every check in words. Called by run.mjs with its helpers.
import assert from 'node:assert/strict';

export async function wealthTests({ test, signIn, BASE, SHOTS, customerUrl }) {
  await test('the gate refuses an unsuitable sale in words, a private product cools off and the client cancels', async () => {
    const admin = await signIn('admin1');
    for (const [code, name, risk, priv] of [['FD-E2E-R4', '测试成长基金', 'R4', false], ['PF-E2E-R2', '测试私募理财', 'R2', true]]) {
      await admin.goto(`${BASE}/products/new`);
      await admin.locator('#p-code').fill(code);
      await admin.locator('#p-kind').selectOption(code.startsWith('FD') ? 'fund' : 'wealth_product');
      await admin.locator('#p-name-zh-CN').fill(name);
      await admin.locator('#p-launch').fill('2026-01-01');
      await admin.locator('#p-risk').selectOption(risk);
      if (priv) await admin.locator('#p-private').check();
      await admin.locator('#product-save').click();
      assert.ok((await admin.locator('#product-notice').textContent()).includes('产品已新增'));
    }
    await admin.context().close();

    const rm1 = await signIn('rm1');
    const sell = async (product) => {
      await rm1.goto(customerUrl);
      await rm1.locator('#sale-form-wrap summary').click();
      await rm1.locator('#sale-kind').selectOption('product_sale');
      await rm1.locator('#sale-product').selectOption(product);
      await rm1.locator('#sale-channel').selectOption('online');
      await rm1.locator('#sale-amount').fill('100,000.00');
      await rm1.locator('#sale-submit').click();
      await rm1.waitForURL(/msg=sale/);
    };
    await sell('FD-E2E-R4');
    const refused = await rm1.locator('#sales tr', { hasText: '测试成长基金' }).first().textContent();
    assert.ok(refused.includes('不符合适当性要求') && refused.includes('产品风险等级不高于客户可购买的等级') && !refused.includes('suitability'), refused);
    await sell('PF-E2E-R2');
    const cooling = rm1.locator('#sales tr', { hasText: '测试私募理财' }).first();
    const line = await cooling.textContent();
    assert.ok(line.includes('冷静期中，至') && line.includes('私募产品冷静期'), line);
    await cooling.locator('details summary', { hasText: '客户撤销' }).click();
    await cooling.locator('input[name=reason]').fill('客户来电表示暂不需要');
    await cooling.locator('button', { hasText: '客户撤销' }).click();
    await rm1.waitForURL(/#sales$/);
    assert.ok(rm1.asked.some((q) => q.includes('全额退还')), rm1.asked.join('|'));
    const after = await rm1.locator('#sales tr', { hasText: '测试私募理财' }).first().textContent();
    assert.ok(after.includes('客户已在冷静期内撤销'), after);
    await rm1.locator('#sales').screenshot({ path: `${SHOTS}/wealth-sales.png` });
    // The seller does not read the suitability report; compliance does.
    assert.equal(await rm1.locator('nav a[href="/wealth/suitability"]').count(), 0);
    await rm1.context().close();

    const sup = await signIn('sup1');
    await sup.goto(`${BASE}/wealth/suitability`);
    const report = await sup.locator('#suit-sales').textContent();
    assert.ok(report.includes('测试成长基金') && report.includes('✗ 未通过') && report.includes('客户已在冷静期内撤销'), report);
    await sup.screenshot({ path: `${SHOTS}/wealth-report.png`, fullPage: true });
    await sup.context().close();
  });
}
