// Browser test of the second factor (issue 21): a staff member turns it on from the account page with the
// secret an authenticator app would read, then signing in needs the password and a current code, and a code
// is good once. Called by run.mjs last (the account then needs codes to sign in).
import { go } from './browser.mjs';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

/// RFC 4648 base32 to bytes, as an authenticator app reads the secret.
function unbase32(s) {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, buf = 0;
  const out = [];
  for (const c of s.replace(/\s+/g, '').replace(/=+$/, '')) {
    buf = (buf << 5) | a.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buf >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/// The six digits of one thirty-second step (RFC 6238 over HMAC-SHA1).
function code(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const o = mac[mac.length - 1] & 0x0f;
  const n = ((mac[o] & 0x7f) << 24) | (mac[o + 1] << 16) | (mac[o + 2] << 8) | mac[o + 3];
  return String(n % 1_000_000).padStart(6, '0');
}

export async function securityTests({ test, signIn, browser, BASE, SHOTS, PASSWORD }) {
  await test("a staff member signs in through the bank's identity provider (OpenID Connect)", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/login`);
    const button = page.locator('#sso-login');
    assert.equal((await button.textContent()).trim(), '使用行内统一身份认证登录');
    await page.screenshot({ path: `${SHOTS}/sso-login.png`, fullPage: true });
    await button.click();
    // The provider's own page (another site), where the person signs in with the bank's password.
    await page.locator('#idp-login').waitFor();
    assert.ok(!page.url().startsWith(BASE), page.url());
    await page.locator('#idp-login').fill('sup1');
    await page.locator('#idp-password').fill(process.env.IDP_PASSWORD);
    await page.locator('#idp-submit').click();
    // Back at Banyan, signed in: the workbench with the person's name and role in the header.
    await page.waitForURL(`${BASE}/`);
    const who = await page.locator('header .who').textContent();
    assert.ok(who.includes('sup1') && who.includes('主管'), who);
    await page.screenshot({ path: `${SHOTS}/sso-signed-in.png` });
    await ctx.close();
  });

  await test('a staff member turns on the second factor; signing in then needs a current code, good once', async () => {
    const rm2 = await signIn('rm2');
    const browser = rm2.context().browser();
    await rm2.goto(`${BASE}/account/security`);
    await rm2.locator('#totp-password').fill(PASSWORD);
    await rm2.locator('#totp-begin button[type=submit]').click();
    const secret = unbase32((await rm2.locator('#totp-secret').textContent()).trim());
    assert.equal(secret.length, 20);
    assert.ok((await rm2.locator('#totp-uri').textContent()).startsWith('otpauth://totp/'));
    await rm2.screenshot({ path: `${SHOTS}/second-factor.png`, fullPage: true });
    const step = Math.floor(Date.now() / 1000 / 30);
    await rm2.locator('#totp-code').fill(code(secret, step));
    await go(rm2, rm2.locator('#totp-confirm button[type=submit]'));
    await rm2.waitForLoadState();
    // The recovery codes, shown once for the person to keep.
    assert.equal(await rm2.locator('#recovery-codes li').count(), 10);
    await rm2.screenshot({ path: `${SHOTS}/recovery-codes.png`, fullPage: true });
    await rm2.context().close();

    const attempt = async (totp) => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(`${BASE}/login`);
      await page.getByLabel(/用户名|Username/).fill('rm2');
      await page.getByLabel(/密码|Password/).fill(PASSWORD);
      if (totp) await page.locator('#totp').fill(totp);
      await go(page, page.locator('form button[type=submit]'));
      await page.waitForLoadState();
      return page;
    };
    // The password alone no longer signs in, and the page says why in words.
    const bare = await attempt(null);
    assert.ok(bare.url().includes('/login'), bare.url());
    const said = await bare.locator('[role=alert]').textContent();
    assert.ok(/验证码/.test(said) && !/totp|code/i.test(said), said);
    await bare.context().close();
    // The next step's code (a drifting clock's) signs in; the confirmation's step was used already.
    const next = code(secret, step + 1);
    const ok = await attempt(next);
    await ok.waitForURL(`${BASE}/`);
    await ok.context().close();
    // Good once: the same code again is refused.
    const again = await attempt(next);
    assert.ok(again.url().includes('/login'), again.url());
    await again.context().close();
  });
}
