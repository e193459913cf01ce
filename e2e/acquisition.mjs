// Browser tests of customer acquisition: a manager captures a lead on the form (picking, not typing codes),
// the model's score is shown factor by factor in words, a reviewer accepts it, the manager moves it along
// and the board shows it at its stage; marking it lost asks first. Called by run.mjs with its helpers.
import assert from 'node:assert/strict';

export async function acquisitionTests({ test, signIn, BASE, SHOTS, product }) {
  let leadUrl;
  await test('a manager captures a lead: a bad form is refused in words, a good one is saved masked', async () => {
    const rm = await signIn('rm1');
    await rm.goto(`${BASE}/leads/new`);
    await rm.locator('#lf-mobile').fill('1390000');
    await rm.locator('#lf-basis').selectOption('consent');
    await rm.locator('#lf-name').fill('上官测试');
    await rm.locator('#lead-save').click();
    const err = await rm.locator('#lead-error').textContent();
    assert.ok(err.includes('手机') && err.includes('授权日期') && !err.includes('consent_on') && !err.includes('required'), err);
    await rm.locator('#lf-mobile').fill('13900001234');
    await rm.locator('#lf-gender').selectOption('female');
    await rm.locator('#lf-birth').fill('1982');
    await rm.locator('#lf-income').fill('600,000');
    await rm.locator('#lf-assets').fill('5000000');
    await rm.locator('#lf-liabilities').fill('800000');
    await rm.locator(`input[name="want.${product}"]`).check();
    await rm.locator('#lf-channel').selectOption('community_event');
    await rm.locator('#lf-consent-on').fill('2026-11-28');
    await rm.locator('#lf-consent-ref').fill('社区活动登记表 017');
    await rm.locator('#lf-grade').selectOption('AA');
    await rm.locator('#lf-source').fill('人民银行征信中心');
    await rm.locator('#lf-credit-on').fill('2026-11-20');
    await rm.screenshot({ path: `${SHOTS}/lead-form.png`, fullPage: true });
    await rm.locator('#lead-save').click();
    await rm.waitForURL(/\/leads\/[0-9a-f-]{36}$/);
    leadUrl = rm.url();
    assert.equal((await rm.locator('#lead-stage').textContent()).trim(), '新线索');
    assert.equal((await rm.locator('#lead-mobile').textContent()).trim(), '139****1234');
    await rm.locator('#lead-screen').click();
    await rm.waitForURL(leadUrl);
    const score = await rm.locator('#lead-score').textContent();
    assert.ok(score.includes('得分') && score.includes('模型通过'), score);
    const factors = await rm.locator('#lead-factors').textContent();
    for (const w of ['信用状况', '经营状况', '财务状况', '需求匹配', '征信等级', '资产负债率']) assert.ok(factors.includes(w), factors);
    for (const code of ['credit', 'debt_ratio', 'grade']) assert.ok(!factors.includes(code), factors);
    assert.equal(await rm.locator('#lead-accept').count(), 0, 'the owner does not review the lead');
    await rm.screenshot({ path: `${SHOTS}/lead.png`, fullPage: true });
    await rm.context().close();
  });

  await test('a reviewer accepts the lead, the manager moves it on and the board counts it', async () => {
    const rev = await signIn('rev1');
    await rev.goto(leadUrl);
    await rev.locator('#la-note').fill('资质良好，同意准入');
    await rev.locator('#lead-accept').click();
    await rev.waitForURL(leadUrl);
    assert.equal((await rev.locator('#lead-stage').textContent()).trim(), '已准入');
    await rev.context().close();

    const rm = await signIn('rm1');
    await rm.goto(leadUrl);
    await rm.locator('#lead-advance').click();
    await rm.waitForURL(leadUrl);
    assert.equal((await rm.locator('#lead-stage').textContent()).trim(), '拜访中');
    const log = await rm.locator('#lead-log').textContent();
    assert.ok(log.includes('审核通过') && log.includes('已准入 → 拜访中') && log.includes('资质良好'), log);
    await rm.goto(`${BASE}/leads/board`);
    const col = await rm.locator('#col-visiting').textContent();
    assert.ok(col.includes('上官测试') && col.includes('拜访中'), col);
    await rm.screenshot({ path: `${SHOTS}/lead-board.png`, fullPage: true });
    await rm.goto(`${BASE}/leads?q=上官`);
    const total = await rm.locator('#lead-total').textContent();
    assert.ok(total.includes('共 1 条线索'), total);
    await rm.screenshot({ path: `${SHOTS}/leads.png`, fullPage: true });

    // Marking it lost asks first and names the reason in words.
    await rm.goto(leadUrl);
    await rm.locator('#ll-reason').selectOption('competitor');
    await rm.locator('#lead-lose').click();
    await rm.waitForURL(leadUrl);
    assert.ok(rm.asked.some((q) => q.includes('标记为流失')), 'losing a lead asks first');
    assert.equal((await rm.locator('#lead-stage').textContent()).trim(), '已流失');
    assert.ok((await rm.locator('#lead-score').textContent()).includes('选择了其他银行'));
    await rm.context().close();
  });
}
