// Browser tests of suitability at the moment of sale (issue 17): the customer (assessed balanced at the branch
// earlier in the walk) is refused an R4 fund in words naming the rule; a private product's sale cools off, the
// sales list says until when, and the client's cancellation is asked first and recorded; compliance reads the
// suitability report with every check in words. The client's wealth page: the declared picture, a goal funded,
// a plan refused above the level in words and made within it, a recommendation picked from what the gate
// allows and the client's answer asked first, a review. Called by run.mjs with its helpers.
import { go } from './browser.mjs';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

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
      await go(rm1, rm1.locator('#sale-submit'));
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
    await go(rm1, cooling.locator('button', { hasText: '客户撤销' }));
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
    // Compliance takes the period away as a file, in words.
    const [dl] = await Promise.all([sup.waitForEvent('download'), sup.locator('#suit-csv').click()]);
    const csv = readFileSync(await dl.path(), 'utf8');
    assert.ok(csv.includes('销售渠道') && csv.includes('测试成长基金') && csv.includes('✗ 未通过'), csv);
    assert.ok(!csv.includes('suitability') && !csv.includes('cooling_off') && !csv.includes('online'), csv);
    await sup.context().close();
  });

  await test('the wealth page keeps the client\'s picture, funds a goal, plans within the level and recommends what the gate allows', async () => {
    const rm1 = await signIn('rm1');
    const wealthUrl = `${customerUrl}/wealth`;
    await rm1.goto(customerUrl);
    await go(rm1, rm1.locator('#wealth-link a'));
    await rm1.waitForURL(/\/wealth$/);
    await rm1.locator('#picture-form-wrap summary').click();
    await rm1.locator('#f-assets\\.stocks').fill('200000');
    await rm1.locator('#f-liabilities\\.mortgage').fill('500000');
    await rm1.locator('#f-income\\.salary').fill('360000');
    await rm1.locator('#f-marital').selectOption('married');
    await go(rm1, rm1.locator('#picture-save'));
    await rm1.waitForURL(/#picture$/);
    assert.ok(rm1.asked.some((q) => q.includes('保存客户申报的财务状况')), rm1.asked.join('|'));
    const facts = await rm1.locator('#wealth-facts').textContent();
    assert.ok(facts.includes('¥200,000.00') && facts.includes('净资产'), facts);
    await rm1.locator('#goal-form-wrap summary').click();
    await rm1.locator('#g-kind').selectOption('education');
    await rm1.locator('#g-amount').fill('100000');
    await rm1.locator('#g-on').fill('2036-09-01');
    await go(rm1, rm1.locator('#goal-save'));
    await rm1.waitForURL(/#goals$/);
    const goal = await rm1.locator('#goal-list tbody tr').first().textContent();
    assert.ok(goal.includes('子女教育') && goal.includes('100%') && goal.includes('进行中'), goal);
    // Balanced buys up to R3: equity (R4) is refused in words, naming the class.
    await rm1.locator('#plan-form-wrap summary').click();
    await rm1.locator('#p-target\\.equity').fill('10');
    await rm1.locator('#p-target\\.fixed_income').fill('30');
    await rm1.locator('#plan-save').click();
    const error = await rm1.locator('#wealth-error').textContent();
    assert.ok(error.includes('权益类') && error.includes('高于客户风险测评可购买的等级'), error);
    await rm1.goto(wealthUrl);
    await rm1.locator('#plan-form-wrap summary').click();
    await go(rm1, rm1.locator('#plan-save'));
    await rm1.waitForURL(/#plan$/);
    const plan = await rm1.locator('#plan-now').textContent();
    assert.ok(plan.includes('第 1 版方案') && plan.includes('首次制定'), plan);
    assert.equal(await rm1.locator('#gap-chart svg rect').count() > 0, true);
    // The picker offers only what the gate lets through: the R4 fund is not there.
    await rm1.locator('#action-form-wrap summary').click();
    const offered = await rm1.locator('#a-product option').allTextContents();
    assert.ok(!offered.some((o) => o.includes('FD-E2E-R4')), offered.join('|'));
    assert.ok(offered.some((o) => o.includes('PF-E2E-R2') && o.includes('固定收益类')), offered.join('|'));
    await rm1.locator('#a-product').selectOption('PF-E2E-R2');
    await rm1.locator('#a-amount').fill('100,000.00');
    await rm1.locator('#a-rationale').fill('补足固定收益类');
    await go(rm1, rm1.locator('#action-save'));
    await rm1.waitForURL(/#actions$/, { timeout: 5000 }).catch(async (e) => {
      throw new Error(`${e.message}: ${await rm1.locator('#wealth-error').textContent().catch(() => '')}`);
    });
    const row = rm1.locator('#action-list tbody tr').first();
    await row.locator('select[name=decision]').selectOption('accepted');
    await go(rm1, row.locator('button', { hasText: '记录决定' }));
    await rm1.waitForURL(/#actions$/);
    assert.ok(rm1.asked.some((q) => q.includes('记录客户的决定')), rm1.asked.join('|'));
    const answered = await rm1.locator('#action-list tbody tr').first().textContent();
    assert.ok(answered.includes('客户接受'), answered);
    await go(rm1, rm1.locator('#review-save'));
    await rm1.waitForURL(/#reviews$/);
    assert.ok((await rm1.locator('#next-review').textContent()).includes('下次检视'));
    const page = await rm1.locator('main').textContent();
    for (const code of ['fixed_income', 'education', 'accepted', 'initial']) assert.ok(!page.includes(code), code);
    await rm1.screenshot({ path: `${SHOTS}/wealth-plan.png`, fullPage: true });
    await rm1.context().close();
  });
}
