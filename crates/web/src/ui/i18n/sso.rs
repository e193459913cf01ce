//! Words of single sign-on through the bank's identity provider.

use super::Lang;

crate::ui::i18n::catalog! {
    "sso.throttled" => ["登录尝试过于频繁，请稍后再试。", "登入嘗試過於頻繁，請稍後再試。", "Too many sign-in attempts from here; try again later."],
    "sso.button" => ["使用行内统一身份认证登录", "使用行內統一身分認證登入", "Sign in with the bank's identity provider"],
    "sso.hint" => ["在银行统一身份认证页面输入您的行内账号与密码（及其要求的动态验证码）后返回本系统。", "在銀行統一身分認證頁面輸入您的行內帳號與密碼（及其要求的動態驗證碼）後返回本系統。", "Enter your bank account and password (and any code it asks for) at the bank's sign-in page, then come back here."],
    "sso.done" => ["登录成功，正在进入工作台", "登入成功，正在進入工作台", "Signed in; opening the workbench"],
    "sso.local" => ["本地账号登录（应急使用）", "本地帳號登入（應急使用）", "Local account (break-glass)"],
    "sso.sso_cancelled" => ["您在统一身份认证页面取消了登录。", "您在統一身分認證頁面取消了登入。", "You cancelled the sign-in at the bank's identity provider."],
    "sso.sso_expired" => ["本次登录已过期或不是从此浏览器发起的，请重新点击统一身份认证登录。", "本次登入已過期或不是從此瀏覽器發起的，請重新點擊統一身分認證登入。", "This sign-in has expired or was not started in this browser; start it again."],
    "sso.sso_provider" => ["统一身份认证服务未能完成登录（服务不可达或返回的凭证无效），请稍后再试或联系系统管理员。", "統一身分認證服務未能完成登入（服務不可達或回傳的憑證無效），請稍後再試或聯絡系統管理員。", "The identity provider did not complete the sign-in (unreachable, or its token was not valid); try again later or ask the administrator."],
    "sso.sso_unknown_user" => ["您的行内账号尚未在本系统开通，请联系系统管理员。", "您的行內帳號尚未在本系統開通，請聯絡系統管理員。", "Your bank account has no Banyan account yet; ask the administrator."],
    "sso.sso_no_role" => ["您在行内身份目录中没有可使用本系统的岗位，请联系系统管理员。", "您在行內身分目錄中沒有可使用本系統的崗位，請聯絡系統管理員。", "The bank's directory gives you no role in Banyan; ask the administrator."],
    "sso.sso_no_branch" => ["您的岗位需要所属网点，但行内身份目录中没有您的网点，请联系系统管理员。", "您的崗位需要所屬網點，但行內身分目錄中沒有您的網點，請聯絡系統管理員。", "Your role needs a branch, and the bank's directory gives you none; ask the administrator."],
    "sso.sso_disabled" => ["您在本系统的账号已停用，请联系系统管理员。", "您在本系統的帳號已停用，請聯絡系統管理員。", "Your Banyan account is disabled; ask the administrator."],
    "sso.sso_local_only" => ["管理员账号为本地应急账号，不能通过统一身份认证登录，请使用下方的本地账号登录。", "管理員帳號為本地應急帳號，不能透過統一身分認證登入，請使用下方的本地帳號登入。", "Administrator accounts are local (break-glass): sign in with the local form below."],
    "audit.action.staff.sso_link" => ["账号绑定统一身份认证", "帳號綁定統一身分認證", "Account bound to the identity provider"],
    "audit.action.staff.sso_sync" => ["按统一身份认证同步岗位与网点", "按統一身分認證同步崗位與網點", "Role and branch taken from the identity provider"],
}
