//! The customer registry: create, read, search, update, contacts, relationships, custom fields, bulk.

use crate::harness::*;
use banyan_domain::access::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::tests![
    creating_an_individual_answers_a_masked_draft_with_its_number_and_version,
    a_corporate_needs_a_valid_credit_code,
    a_duplicate_id_number_is_409_naming_the_existing_customer,
    a_duplicate_outside_the_callers_scope_is_refused_without_naming_the_customer,
    a_duplicate_mobile_number_is_409,
    same_name_and_birth_date_is_a_warning_not_an_error,
    a_retried_create_with_the_same_idempotency_key_returns_the_first_result,
    an_idempotency_key_reused_with_another_body_is_refused,
    listings_are_masked_and_reveals_are_audited,
    search_finds_substrings_pinyin_initials_mobile_tails_ids_and_numbers_in_scope,
    listings_are_paginated_with_a_cursor,
    two_updates_at_the_same_version_give_one_success_and_one_409,
    an_update_without_a_version_is_428,
    every_update_keeps_a_version_with_field_changes,
    contact_points_are_added_changed_and_removed_with_versions,
    relationships_are_visible_from_both_sides,
    custom_fields_are_validated_against_their_definitions,
    a_batch_reports_each_item_and_keeps_the_valid_ones,
    a_retried_batch_with_the_same_idempotency_key_creates_nothing_twice,
    import_reports_every_bad_row_and_export_is_masked,
    an_import_file_may_be_headed_and_filled_in_any_language_with_a_manager_per_row,
    a_person_saves_searches_by_name_runs_them_and_deletes_them,
    formulas_in_names_are_written_as_text_in_every_csv,
    rotating_keys_keeps_every_value_readable,
    a_customer_seen_by_one_person_is_proved_again_for_another,
];

fn path(c: &serde_json::Value) -> String {
    format!("/api/v1/customers/{}", c["id"].as_str().unwrap())
}

async fn creating_an_individual_answers_a_masked_draft_with_its_number_and_version(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = resident_id("19900307", 123);
    let r = app
        .post(
            "/api/v1/customers",
            &rm,
            individual("张三", &id, "13812345678"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.headers.get("etag").unwrap(), "\"1\"");
    let c = &r.body;
    assert_eq!(c["customer_no"], "P-BR0001-00000001");
    assert_eq!(c["status"], "draft");
    assert_eq!(c["active"], false);
    assert_eq!(c["version"], 1);
    // Birth date and gender come from the resident ID.
    assert_eq!(c["profile"]["birth_date"], "1990-03-07");
    assert_eq!(c["profile"]["gender"], "male");
    assert_eq!(
        c["identifier"]["number"],
        format!("{}********{}", &id[..6], &id[14..])
    );
    let mobile = c["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "mobile")
        .unwrap();
    assert_eq!(mobile["value"], "138****5678");
    assert!(
        !r.text.contains(&id) && !r.text.contains("13812345678"),
        "plaintext leaked: {}",
        r.text
    );
    // The customer's RM is the creator.
    let me = app.get("/api/v1/me", &rm).await;
    assert_eq!(c["rm_id"], me.body["id"]);
    // The second customer of the branch gets the next number.
    let c2 = app
        .create(
            &rm,
            individual("李四", &resident_id("19910408", 245), "13912345678"),
        )
        .await;
    assert_eq!(c2["customer_no"], "P-BR0001-00000002");
}

async fn a_corporate_needs_a_valid_credit_code(app: &TestApp) {
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let code = credit_code("600037341");
    let body = json!({
        "kind": "corporate", "branch_code": "BR0001",
        "organization": {"registered_name": "北京测试科技有限公司", "credit_code": code, "legal_form": "limited_liability",
                          "industry": "I", "employees": 120, "annual_revenue": {"minor": 5000000000i64, "currency": "CNY"},
                          "total_assets": {"minor": 9000000000i64, "currency": "CNY"}, "legal_representative": "王五",
                          "beneficial_owners": [{"name": "王五", "share_bp": 6000}]},
        "contacts": [{"kind": "address", "value": "北京市海淀区中关村大街1号", "label": "registered"}]
    });
    let c = app.create(&ops, body.clone()).await;
    assert_eq!(c["customer_no"], "C-BR0001-00000001");
    assert_eq!(c["identifier"]["type"], "credit_code");
    assert_eq!(c["profile"]["annual_revenue"]["minor"], 5000000000i64);
    let mut bad = body;
    let mut wrong = code.clone();
    wrong.pop();
    wrong.push(if code.ends_with('0') { '1' } else { '0' });
    bad["organization"]["credit_code"] = json!(wrong);
    let r = app.post("/api/v1/customers", &ops, bad).await;
    r.assert_problem(422, "validation");
    assert_eq!(
        r.field_errors(),
        vec![(
            "organization.credit_code".to_owned(),
            "check_digit".to_owned()
        )]
    );
}

async fn a_duplicate_id_number_is_409_naming_the_existing_customer(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = resident_id("19800101", 123);
    let first = app
        .create(&rm, individual("张三", &id, "13812345678"))
        .await;
    // Same number typed with a lower-case x or spaces is the same number.
    let r = app
        .post(
            "/api/v1/customers",
            &rm,
            individual("张三丰", &id, "13912345678"),
        )
        .await;
    r.assert_problem(409, "duplicate_id_number");
    assert_eq!(r.body["customer_no"], first["customer_no"]);
    assert_eq!(app.count("customers").await, 1);
}

async fn a_duplicate_mobile_number_is_409(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let first = app
        .create(
            &rm,
            individual("张三", &resident_id("19800101", 123), "13812345678"),
        )
        .await;
    let r = app
        .post(
            "/api/v1/customers",
            &rm,
            individual("李四", &resident_id("19810101", 245), "+86 138-1234-5678"),
        )
        .await;
    r.assert_problem(409, "duplicate_mobile");
    assert_eq!(r.body["customer_no"], first["customer_no"]);
}

async fn same_name_and_birth_date_is_a_warning_not_an_error(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let first = app
        .create(
            &rm,
            individual("张三", &resident_id("19800101", 123), "13812345678"),
        )
        .await;
    let mut second = individual("张三", &resident_id("19800101", 345), "13912345678");
    second["individual"]["id_number"] = json!(resident_id("19800101", 345));
    let c = app.create(&rm, second).await;
    assert_eq!(c["warnings"][0]["code"], "possible_duplicate");
    assert_eq!(c["warnings"][0]["customer_nos"][0], first["customer_no"]);
}

async fn a_retried_create_with_the_same_idempotency_key_returns_the_first_result(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let body = individual("张三", &resident_id("19800101", 123), "13812345678");
    let a = app
        .req_h(
            Method::POST,
            "/api/v1/customers",
            Some(&rm),
            Some(body.clone()),
            &[("idempotency-key", "req-1")],
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let b = app
        .req_h(
            Method::POST,
            "/api/v1/customers",
            Some(&rm),
            Some(body),
            &[("idempotency-key", "req-1")],
        )
        .await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.text);
    assert_eq!(b.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(a.body["id"], b.body["id"]);
    assert_eq!(a.body["customer_no"], b.body["customer_no"]);
    assert_eq!(app.count("customers").await, 1);
}

async fn an_idempotency_key_reused_with_another_body_is_refused(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let a = app
        .req_h(
            Method::POST,
            "/api/v1/customers",
            Some(&rm),
            Some(individual(
                "张三",
                &resident_id("19800101", 123),
                "13812345678",
            )),
            &[("idempotency-key", "k")],
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let b = app
        .req_h(
            Method::POST,
            "/api/v1/customers",
            Some(&rm),
            Some(individual(
                "李四",
                &resident_id("19810101", 245),
                "13912345678",
            )),
            &[("idempotency-key", "k")],
        )
        .await;
    b.assert_problem(409, "idempotency_key_reused");
    assert_eq!(app.count("customers").await, 1);
}

async fn listings_are_masked_and_reveals_are_audited(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let wm = app
        .login_as("wm1", Role::WealthManager, Some("BR0001"))
        .await;
    let id = resident_id("19800101", 123);
    let c = app
        .create(&rm, individual("张三", &id, "13812345678"))
        .await;
    let list = app.get("/api/v1/customers", &rm).await;
    let item = &list.body["items"][0];
    assert_eq!(
        item["identifier"],
        format!("{}********{}", &id[..6], &id[14..])
    );
    assert_eq!(item["mobile"], "138****5678");
    assert!(!list.text.contains(&id));
    let full = app.get(&format!("{}?reveal=true", path(&c)), &rm).await;
    assert_eq!(full.status, StatusCode::OK, "{}", full.text);
    assert_eq!(full.body["identifier"]["number"], id);
    assert_eq!(full.body["identifier"]["revealed"], true);
    assert!(full.text.contains("13812345678"));
    // Wealth managers have no reveal permission.
    let mut b = individual("李四", &resident_id("19810101", 245), "13912345678");
    b["rm_id"] = json!(null);
    app.get(&format!("{}?reveal=true", path(&c)), &wm)
        .await
        .assert_problem(403, "permission_denied");
    app.seal().await;
    let aud = app.login_as("aud", Role::Auditor, None).await;
    let a = app
        .get(
            &format!(
                "/api/v1/audit?customer_id={}&action=customer.reveal",
                c["id"].as_str().unwrap()
            ),
            &aud,
        )
        .await;
    let items = a.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", a.text);
    assert_eq!(items[0]["actor"], "rm1");
    // The audit record names the fields, never their values.
    assert!(!a.text.contains(&id) && !a.text.contains("13812345678"));
}

async fn search_finds_substrings_pinyin_initials_mobile_tails_ids_and_numbers_in_scope(
    app: &TestApp,
) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = resident_id("19800101", 123);
    let mut a = individual("欧阳修", &id, "13812345678");
    a["individual"]["name_latin"] = json!("OUYANG Xiu");
    let a = app.create(&rm, a).await;
    app.create(
        &rm,
        individual("欧文", &resident_id("19810101", 245), "13912345678"),
    )
    .await;
    app.create(
        &rm,
        individual("张三", &resident_id("19820101", 367), "13712345678"),
    )
    .await;
    let hits = |r: &Resp| {
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["display_name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let mut by_prefix = hits(&app.get("/api/v1/customers?q=%E6%AC%A7", &rm).await); // 欧
    by_prefix.sort();
    assert_eq!(by_prefix, vec!["欧文".to_owned(), "欧阳修".to_owned()]);
    assert_eq!(
        hits(&app.get("/api/v1/customers?q=%E6%AC%A7%E9%98%B3", &rm).await),
        vec!["欧阳修"]
    ); // 欧阳
    assert_eq!(
        hits(&app.get("/api/v1/customers?q=ouyang", &rm).await),
        vec!["欧阳修"]
    );
    assert_eq!(
        hits(&app.get("/api/v1/customers?q=13812345678", &rm).await),
        vec!["欧阳修"]
    );
    assert_eq!(
        hits(&app.get("/api/v1/customers?q=%2B8613812345678", &rm).await),
        vec!["欧阳修"]
    );
    assert_eq!(
        hits(&app.get(&format!("/api/v1/customers?q={id}"), &rm).await),
        vec!["欧阳修"]
    );
    assert_eq!(
        hits(
            &app.get(
                &format!("/api/v1/customers?q={}", a["customer_no"].as_str().unwrap()),
                &rm
            )
            .await
        ),
        vec!["欧阳修"]
    );
    // A name is matched anywhere ("阳" in 欧阳修), by its pinyin from any syllable and by its initials.
    assert_eq!(
        hits(&app.get("/api/v1/customers?q=%E9%98%B3", &rm).await),
        vec!["欧阳修"]
    ); // 阳
    assert_eq!(
        hits(&app.get("/api/v1/customers?q=yangxiu", &rm).await),
        vec!["欧阳修"]
    );
    assert_eq!(
        hits(&app.get("/api/v1/customers?q=Ou+Yang+Xiu", &rm).await),
        vec!["欧阳修"]
    );
    assert_eq!(
        hits(&app.get("/api/v1/customers?q=oyx", &rm).await),
        vec!["欧阳修"]
    );
    assert_eq!(
        hits(&app.get("/api/v1/customers?q=zs", &rm).await),
        vec!["张三"]
    );
    // The last four digits of a mobile find every customer of the caller's book ending so, and only those:
    // another RM's customer with the same ending is not found, nor counted.
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.create(
        &rm2,
        individual("测试张三", &resident_id("19830101", 489), "13612345678"),
    )
    .await;
    let tail = app.get("/api/v1/customers?q=5678", &rm).await;
    let mut by_tail = hits(&tail);
    by_tail.sort();
    assert_eq!(by_tail, vec!["张三", "欧文", "欧阳修"]);
    assert_eq!(tail.body["total"], json!({"count": 3, "more": false}));
    assert_eq!(
        hits(&app.get("/api/v1/customers?q=5678", &rm2).await),
        vec!["测试张三"]
    );
    assert!(hits(&app.get("/api/v1/customers?q=1234", &rm).await).is_empty());
    let three = app.get("/api/v1/customers?q=%E5%BC%A0%E4%B8%89", &rm).await; // 张三
    assert_eq!(hits(&three), vec!["张三"]);
    assert_eq!(three.body["total"]["count"], 1);
    assert_eq!(
        hits(
            &app.get("/api/v1/customers?q=%E5%BC%A0%E4%B8%89", &rm2)
                .await
        ),
        vec!["测试张三"]
    );
    // A renamed customer is found by the new name at once, and no longer by the old one.
    let renamed = app
        .patch(
            &path(&a),
            &rm,
            1,
            json!({"individual": {"name_zh": "欧阳询"}}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(
        hits(&app.get("/api/v1/customers?q=yangxun", &rm).await),
        vec!["欧阳询"]
    );
    assert!(hits(&app.get("/api/v1/customers?q=yangxiu", &rm).await).is_empty());
    // An index built under an older term scheme (an upgrade) is rebuilt, and finds the same customers.
    {
        use sea_orm::ConnectionTrait;
        let conn = &app.app.db().conn;
        for sql in [
            "DELETE FROM customer_terms",
            "UPDATE counters SET value = 0 WHERE name = 'search_terms_version'",
        ] {
            conn.execute_unprepared(sql).await.unwrap();
        }
        assert!(hits(&app.get("/api/v1/customers?q=yangxun", &rm).await).is_empty());
        let n = banyan_app::customers::rebuild_search_index(&app.app)
            .await
            .unwrap();
        assert_eq!(n, 4);
        assert_eq!(
            hits(&app.get("/api/v1/customers?q=yangxun", &rm).await),
            vec!["欧阳询"]
        );
        let mut by_tail = hits(&app.get("/api/v1/customers?q=5678", &rm).await);
        by_tail.sort();
        assert_eq!(by_tail, vec!["张三", "欧文", "欧阳询"]);
        // Once rebuilt, a start does not rebuild again.
        assert_eq!(
            banyan_app::customers::rebuild_search_index(&app.app)
                .await
                .unwrap(),
            0
        );
    }
    // An ID number is matched only exactly.
    assert!(
        hits(
            &app.get(&format!("/api/v1/customers?q={}", &id[..10]), &rm)
                .await
        )
        .is_empty()
    );
    // Filters combine with the search.
    assert!(
        hits(
            &app.get("/api/v1/customers?q=%E6%AC%A7&kind=corporate", &rm)
                .await
        )
        .is_empty()
    );
    assert_eq!(
        hits(
            &app.get("/api/v1/customers?status=draft&kind=individual", &rm)
                .await
        )
        .len(),
        3
    );
}

async fn listings_are_paginated_with_a_cursor(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    for i in 0..5u32 {
        app.create(
            &rm,
            individual(
                &format!("客户{i}"),
                &resident_id("19800101", 101 + 2 * i),
                &format!("1381234567{i}"),
            ),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/v1/customers?limit=2&cursor={c}"),
            None => "/api/v1/customers?limit=2".to_owned(),
        };
        let r = app.get(&url, &rm).await;
        for i in r.body["items"].as_array().unwrap() {
            seen.push(i["customer_no"].as_str().unwrap().to_owned());
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 5);
    // A name search pages in name order.
    let mut names = Vec::new();
    let mut url = "/api/v1/customers?q=%E5%AE%A2%E6%88%B7&limit=2".to_owned(); // 客户
    loop {
        let r = app.get(&url, &rm).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        names.extend(
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["display_name"].as_str().unwrap().to_owned()),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/customers?q=%E5%AE%A2%E6%88%B7&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(names, vec!["客户0", "客户1", "客户2", "客户3", "客户4"]);
    app.get("/api/v1/customers?cursor=bogus", &rm)
        .await
        .assert_problem(422, "validation");

    // Every sort pages through all rows once, in its order, both ways.
    let rm = &rm;
    let all = |sort: &'static str| async move {
        let mut names = Vec::new();
        let mut url = format!("/api/v1/customers?sort={sort}&limit=2");
        loop {
            let r = app.get(&url, rm).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            names.extend(
                r.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["display_name"].as_str().unwrap().to_owned()),
            );
            match r.body["next_cursor"].as_str() {
                Some(c) => url = format!("/api/v1/customers?sort={sort}&limit=2&cursor={c}"),
                None => break,
            }
        }
        names
    };
    let five = |order: [u32; 5]| order.map(|i| format!("客户{i}")).to_vec();
    assert_eq!(all("-name").await, five([4, 3, 2, 1, 0]));
    assert_eq!(all("customer_no").await, five([0, 1, 2, 3, 4]));
    assert_eq!(all("-customer_no").await, five([4, 3, 2, 1, 0]));
    // Drafts have no review date yet: they all tie, and ties go by creation.
    assert_eq!(all("review_due").await, five([0, 1, 2, 3, 4]));
    let list = app.get("/api/v1/customers?q=%E5%AE%A2%E6%88%B72", rm).await; // 客户2
    let c2 = &list.body["items"][0];
    let r = app
        .patch(
            &format!("/api/v1/customers/{}", c2["id"].as_str().unwrap()),
            rm,
            c2["version"].as_i64().unwrap(),
            json!({"individual": {"occupation": "律师"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(all("-updated").await, five([2, 4, 3, 1, 0]));
    assert_eq!(all("updated").await, five([0, 1, 3, 4, 2]));
    let r = app.get("/api/v1/customers?sort=age", rm).await;
    r.assert_problem(400, "validation");
    assert_eq!(r.field_errors(), vec![("sort".into(), "one_of".into())]);
}

async fn two_updates_at_the_same_version_give_one_success_and_one_409(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let c = app
        .create(
            &rm,
            individual("张三", &resident_id("19800101", 123), "13812345678"),
        )
        .await;
    let p = path(&c);
    let (a, b) = tokio::join!(
        app.patch(&p, &rm, 1, json!({"individual": {"occupation": "医生"}})),
        app.patch(&p, &rm, 1, json!({"individual": {"occupation": "律师"}})),
    );
    let mut statuses = vec![a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409], "{} / {}", a.text, b.text);
    let loser = if a.status == StatusCode::CONFLICT {
        &a
    } else {
        &b
    };
    loser.assert_problem(409, "version_conflict");
    assert_eq!(loser.body["current_version"], 2);
    // The 409 shows the change that won, so the user can see it instead of overwriting it.
    let winner_occupation = if a.status == StatusCode::OK {
        "医生"
    } else {
        "律师"
    };
    let changes = &loser.body["changes_since"][0]["changes"];
    assert!(
        changes
            .as_array()
            .unwrap()
            .iter()
            .any(|ch| ch["field"] == "individual.occupation" && ch["new"] == winner_occupation),
        "{}",
        loser.text
    );
    let now = app.get(&p, &rm).await;
    assert_eq!(now.body["profile"]["occupation"], winner_occupation);
    assert_eq!(now.body["version"], 2);
}

async fn an_update_without_a_version_is_428(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let c = app
        .create(
            &rm,
            individual("张三", &resident_id("19800101", 123), "13812345678"),
        )
        .await;
    let r = app
        .req(
            Method::PATCH,
            &path(&c),
            Some(&rm),
            Some(json!({"individual": {"occupation": "医生"}})),
        )
        .await;
    r.assert_problem(428, "version_required");
    // The version may also come in the body.
    let r = app
        .req(
            Method::PATCH,
            &path(&c),
            Some(&rm),
            Some(json!({"version": 1, "individual": {"occupation": "医生"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn every_update_keeps_a_version_with_field_changes(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id1 = resident_id("19800101", 123);
    let c = app
        .create(&rm, individual("张三", &id1, "13812345678"))
        .await;
    let p = path(&c);
    let r = app.patch(&p, &rm, 1, json!({"individual": {"occupation": "医生", "employer": "协和医院"}, "preferred_channel": "wechat"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    let id2 = resident_id("19800101", 135);
    let r = app
        .patch(&p, &rm, 2, json!({"individual": {"id_number": id2}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // An update that changes nothing makes no version.
    let r = app
        .patch(&p, &rm, 3, json!({"individual": {"occupation": "医生"}}))
        .await;
    assert_eq!(r.body["version"], 3);
    let v = app.get(&format!("{p}/versions"), &rm).await;
    let versions = v.body.as_array().unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[0]["version"], 3);
    let fields = |i: usize| {
        versions[i]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["field"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        fields(1),
        vec![
            "individual.employer",
            "individual.occupation",
            "preferred_channel"
        ]
    );
    let occ = versions[1]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "individual.occupation")
        .unwrap();
    assert_eq!(
        (occ["old"].as_str(), occ["new"].as_str()),
        (Some("教师"), Some("医生"))
    );
    // A changed ID number is recorded masked, never in clear.
    let idc = versions[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "individual.id_number")
        .unwrap();
    assert!(idc["old"].as_str().unwrap().contains("****"));
    assert!(!v.text.contains(&id1) && !v.text.contains(&id2));
    assert_eq!(versions[2]["action"], "create");
}

async fn contact_points_are_added_changed_and_removed_with_versions(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let other = app
        .create(
            &rm,
            individual("李四", &resident_id("19810101", 245), "13912345678"),
        )
        .await;
    let c = app
        .create(
            &rm,
            individual("张三", &resident_id("19800101", 123), "13812345678"),
        )
        .await;
    let p = path(&c);
    let v = "\"1\"";
    let r = app
        .req_h(
            Method::POST,
            &format!("{p}/contacts"),
            Some(&rm),
            Some(json!({"kind": "mobile", "value": "13700001111", "label": "work"})),
            &[("if-match", v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    let added = r.body["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["label"] == "work")
        .unwrap()
        .clone();
    assert_eq!(added["value"], "137****1111");
    // Someone else's mobile cannot be added.
    let r = app
        .req_h(
            Method::POST,
            &format!("{p}/contacts"),
            Some(&rm),
            Some(json!({"kind": "mobile", "value": "13912345678"})),
            &[("if-match", "\"2\"")],
        )
        .await;
    r.assert_problem(409, "duplicate_mobile");
    assert_eq!(r.body["customer_no"], other["customer_no"]);
    // A bad value names the field.
    let r = app
        .req_h(
            Method::POST,
            &format!("{p}/contacts"),
            Some(&rm),
            Some(json!({"kind": "email", "value": "not-an-email"})),
            &[("if-match", "\"2\"")],
        )
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors()[0].0, "value");
    let cp = format!("{p}/contacts/{}", added["id"].as_str().unwrap());
    let r = app
        .patch(&cp, &rm, 2, json!({"value": "13700002222"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["version"], 3);
    // Stale version on a contact change is a 409 too.
    app.patch(&cp, &rm, 2, json!({"value": "13700003333"}))
        .await
        .assert_problem(409, "version_conflict");
    let r = app
        .req_h(
            Method::DELETE,
            &cp,
            Some(&rm),
            None,
            &[("if-match", "\"3\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["contacts"].as_array().unwrap().len(), 3);
    let versions = app.get(&format!("{p}/versions"), &rm).await;
    let actions: Vec<&str> = versions
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["contact_delete", "contact_update", "contact_add", "create"]
    );
}

async fn relationships_are_visible_from_both_sides(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let parent = app
        .create(
            &rm,
            individual("张父", &resident_id("19600101", 123), "13812345678"),
        )
        .await;
    let child = app
        .create(
            &rm,
            individual("张子", &resident_id("20100101", 245), "13912345678"),
        )
        .await;
    let r = app
        .post(
            &format!("{}/relationships", path(&parent)),
            &rm,
            json!({"to_id": child["id"], "kind": "guardian", "note": "父亲"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let from_child = app
        .get(&format!("{}/relationships", path(&child)), &rm)
        .await;
    let rel = &from_child.body[0];
    assert_eq!(rel["kind"], "ward");
    assert_eq!(rel["other_id"], parent["id"]);
    assert_eq!(rel["other_name"], "张父");
    // The same link again, from either side, is a 409.
    app.post(
        &format!("{}/relationships", path(&child)),
        &rm,
        json!({"to_id": parent["id"], "kind": "ward"}),
    )
    .await
    .assert_problem(409, "duplicate_relationship");
    // A person cannot be the officer of a person.
    let r = app
        .post(
            &format!("{}/relationships", path(&child)),
            &rm,
            json!({"to_id": parent["id"], "kind": "officer"}),
        )
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(r.field_errors()[0].0, "kind");
    let rid = rel["id"].as_str().unwrap();
    let d = app
        .req(
            Method::DELETE,
            &format!("{}/relationships/{rid}", path(&child)),
            Some(&rm),
            None,
        )
        .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("{}/relationships", path(&parent)), &rm)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

async fn custom_fields_are_validated_against_their_definitions(app: &TestApp) {
    let admin = app.login_as("admin", Role::Admin, None).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let def = json!({"kind": "individual", "key": "vip_card", "label": "VIP 卡", "field_type": "choice", "required": false, "options": ["gold", "black"]});
    app.post("/api/v1/field-definitions", &rm, def.clone())
        .await
        .assert_problem(403, "permission_denied");
    let r = app
        .post("/api/v1/field-definitions", &admin, def.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.post("/api/v1/field-definitions", &admin, def)
        .await
        .assert_problem(409, "duplicate_field");
    let mut body = individual("张三", &resident_id("19800101", 123), "13812345678");
    body["custom"] = json!({"vip_card": "silver", "pet": "cat"});
    let r = app.post("/api/v1/customers", &rm, body.clone()).await;
    r.assert_problem(422, "validation");
    let errs = r.field_errors();
    assert!(
        errs.contains(&("custom.vip_card".into(), "choice".into())),
        "{errs:?}"
    );
    assert!(
        errs.contains(&("custom.pet".into(), "unknown_field".into())),
        "{errs:?}"
    );
    body["custom"] = json!({"vip_card": "gold"});
    let c = app.create(&rm, body).await;
    assert_eq!(c["custom"]["vip_card"], "gold");

    // A field made required later does not block unrelated work on existing customers; it is enforced
    // when someone edits the custom fields.
    let r = app
        .post(
            "/api/v1/field-definitions",
            &admin,
            json!({"kind": "individual", "key": "risk_note", "label": "风险备注", "field_type": "text", "required": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let path = format!("/api/v1/customers/{}", c["id"].as_str().unwrap());
    let consent = json!({"consents": [{"channel": "wechat", "granted": true, "source": "app"}]});
    let r = app.patch(&path, &rm, 1, consent).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .patch(&path, &rm, 2, json!({"custom": {"vip_card": "black"}}))
        .await;
    r.assert_problem(422, "validation");
    assert_eq!(
        r.field_errors(),
        vec![("custom.risk_note".into(), "required".into())]
    );
    let r = app
        .patch(
            &path,
            &rm,
            2,
            json!({"custom": {"vip_card": "black", "risk_note": "已评估"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["custom"]["vip_card"], "black");
}

async fn a_batch_reports_each_item_and_keeps_the_valid_ones(app: &TestApp) {
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let good1 = individual("甲", &resident_id("19800101", 123), "13800000001");
    let mut bad = individual("乙", &resident_id("19800101", 245), "13800000002");
    bad["individual"]["id_number"] = json!("110105198001012451");
    let dup = individual("丙", &resident_id("19800101", 123), "13800000003");
    let good2 = individual("丁", &resident_id("19800101", 367), "13800000004");
    let r = app
        .post(
            "/api/v1/customers/batch",
            &ops,
            json!({"customers": [good1, bad, dup, good2]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["created"], 2);
    assert_eq!(r.body["rejected"], 2);
    let items = r.body["items"].as_array().unwrap();
    assert!(items[0]["customer_no"].is_string());
    assert_eq!(
        items[1]["error"]["errors"][0]["field"],
        "individual.id_number"
    );
    assert_eq!(items[2]["error"]["code"], "duplicate_id_number");
    assert!(items[3]["customer_no"].is_string());
    assert_eq!(app.count("customers").await, 2);
    assert_eq!(app.count("customer_versions").await, 2);
}

async fn import_reports_every_bad_row_and_export_is_masked(app: &TestApp) {
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let mut csv = String::from(
        "cust_no,full_name,gender,birth_date,mobile,email,id_number,address,branch_code\n",
    );
    csv += &format!(
        "1,张三,M,,13800000001,a@example.cn,{},北京市朝阳区建国路1号,BR0001\n",
        resident_id("19800101", 123)
    );
    csv += "2,李四,F,,13800000002,b@example.cn,110105198001012451,北京市朝阳区建国路2号,BR0001\n";
    csv += &format!(
        "3,王五,M,,12345,c@example.cn,{},北京市朝阳区建国路3号,BR0001\n",
        resident_id("19800101", 345)
    );
    let mut bytes = csv.into_bytes();
    bytes.extend_from_slice(b"4,\xff\xfe,M,,13800000004,d@example.cn,x,addr,BR0001\n");
    let r = app.import(&ops, "text/csv", bytes.clone()).await;
    assert_eq!(r.body["status"], "done", "{}", r.text);
    assert_eq!(r.body["rows"], 4);
    assert_eq!(r.body["done"], 4);
    assert_eq!(r.body["created"], 1);
    assert_eq!(r.body["rejected"], 3);
    let rejected = r.body["report"]["rejected_rows"].as_array().unwrap();
    let lines: Vec<i64> = rejected
        .iter()
        .map(|x| x["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 4, 5]);
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("individual.id_number")
    );
    assert!(
        rejected[1]["reason"]
            .as_str()
            .unwrap()
            .contains("contacts[0].value")
    );
    assert!(rejected[2]["reason"].as_str().unwrap().contains("UTF-8"));
    // Each broken rule also comes structured, for a reader to put in its own language.
    assert_eq!(
        (
            rejected[0]["errors"][0]["field"].as_str(),
            rejected[0]["errors"][0]["rule"].as_str()
        ),
        (Some("individual.id_number"), Some("check_digit")),
        "{}",
        r.text
    );
    assert_eq!(rejected[2]["errors"][0]["rule"], "encoding", "{}", r.text);
    assert!(
        r.body["report"]["rejected_csv"]
            .as_str()
            .unwrap()
            .lines()
            .count()
            == 4
    );
    assert_eq!(r.body["ignored_columns"], json!(["cust_no"]));
    // The same file again is the same job: nothing is imported twice.
    let again = app
        .raw(
            Method::POST,
            "/api/v1/customers/import",
            Some(&ops),
            "text/csv",
            bytes,
        )
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
    assert_eq!(again.body["id"], r.body["id"]);
    assert_eq!(app.count("customers").await, 1);
    // Only its starter sees the job, in their list of imports too.
    let mine = app.get("/api/v1/imports", &ops).await;
    assert_eq!(mine.body["items"][0]["id"], r.body["id"], "{}", mine.text);
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    let ops2 = app.login_as("ops2", Role::Operations, Some("BR0001")).await;
    let theirs = app.get("/api/v1/imports", &ops2).await;
    assert_eq!(theirs.body["items"], json!([]), "{}", theirs.text);
    app.get(
        &format!("/api/v1/imports/{}", r.body["id"].as_str().unwrap()),
        &ops2,
    )
    .await
    .assert_problem(404, "not_found");
    app.raw(
        Method::POST,
        "/api/v1/customers/import",
        Some(&ops),
        "application/pdf",
        b"%PDF".to_vec(),
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    let e = app
        .req(
            Method::GET,
            "/api/v1/customers/export?format=csv",
            Some(&ops),
            None,
        )
        .await;
    assert_eq!(e.status, StatusCode::OK);
    assert!(e.text.starts_with("customer_no,"));
    assert!(e.text.contains("138****0001"));
    assert!(!e.text.contains("13800000001"));
    let x = app
        .client
        .get(format!("{}/api/v1/customers/export?format=xlsx", app.base))
        .bearer_auth(&ops)
        .send()
        .await
        .unwrap();
    assert_eq!(x.status(), StatusCode::OK);
    let bytes = x.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
}

async fn rotating_keys_keeps_every_value_readable(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id = resident_id("19800101", 123);
    let c = app
        .create(&rm, individual("张三", &id, "13812345678"))
        .await;
    let (key, n) = app
        .app
        .rotate_keys(&banyan_app::access::Actor::system("test"))
        .await
        .unwrap();
    assert_eq!(key, 3);
    assert_eq!(n, 4); // the identifier and three contact points
    let full = app.get(&format!("{}?reveal=true", path(&c)), &rm).await;
    assert_eq!(full.body["identifier"]["number"], id);
    // Lookups by blind index still work after rotation.
    let found = app.get("/api/v1/customers?q=13812345678", &rm).await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
}

async fn a_retried_batch_with_the_same_idempotency_key_creates_nothing_twice(app: &TestApp) {
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let body =
        json!({"customers": [individual("甲", &resident_id("19800101", 123), "13800000001")]});
    let h = [("idempotency-key", "batch-7")];
    let a = app
        .req_h(
            Method::POST,
            "/api/v1/customers/batch",
            Some(&ops),
            Some(body.clone()),
            &h,
        )
        .await;
    assert_eq!(a.body["created"], 1, "{}", a.text);
    let b = app
        .req_h(
            Method::POST,
            "/api/v1/customers/batch",
            Some(&ops),
            Some(body),
            &h,
        )
        .await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.text);
    assert_eq!(b.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(a.body, b.body);
    assert_eq!(app.count("customers").await, 1);
    // The same key on another request is refused.
    let other =
        json!({"customers": [individual("乙", &resident_id("19800101", 245), "13800000002")]});
    app.req_h(
        Method::POST,
        "/api/v1/customers/batch",
        Some(&ops),
        Some(other),
        &h,
    )
    .await
    .assert_problem(409, "idempotency_key_reused");
}

async fn formulas_in_names_are_written_as_text_in_every_csv(app: &TestApp) {
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let hyperlink = "=HYPERLINK(\"http://evil.example\",\"点击\")";
    let mut csv = String::from("full_name,gender,mobile,id_number,branch_code\n");
    // A customer whose name a spreadsheet would run, and a rejected row (bad mobile) carrying a DDE command.
    csv += &format!(
        "\"{}\",M,13800000001,{},BR0001\n",
        hyperlink.replace('"', "\"\""),
        resident_id("19800101", 123)
    );
    csv += &format!(
        "=cmd|' /C calc'!A0,M,12345,{},BR0001\n",
        resident_id("19800101", 345)
    );
    let r = app.import(&ops, "text/csv", csv.into_bytes()).await;
    assert_eq!(r.body["created"], 1, "{}", r.text);
    let rejected = r.body["report"]["rejected_csv"].as_str().unwrap();
    assert!(rejected.contains("'=cmd|' /C calc'!A0"), "{rejected}");
    assert!(
        !rejected
            .lines()
            .any(|l| l.split(',').any(|c| c.starts_with('='))),
        "{rejected}"
    );
    let e = app
        .req(
            Method::GET,
            "/api/v1/customers/export?format=csv",
            Some(&ops),
            None,
        )
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.text);
    // The name has quotes and a comma, so the cell is quoted: `"'=HYPERLINK(""http…`.
    assert!(e.text.contains("\"'=HYPERLINK("), "{}", e.text);
    assert!(
        !e.text.contains("\"=HYPERLINK(") && !e.text.contains(",=HYPERLINK("),
        "{}",
        e.text
    );
}

async fn a_duplicate_outside_the_callers_scope_is_refused_without_naming_the_customer(
    app: &TestApp,
) {
    let rm1 = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let sup1 = app.login_as("sup1", Role::Supervisor, Some("BR0001")).await;
    let id = resident_id("19800101", 123);
    let first = app
        .create(&rm1, individual("张三", &id, "13812345678"))
        .await;
    let no = first["customer_no"].as_str().unwrap().to_owned();
    // An RM of another branch, who cannot see that customer, tries the same ID, then the same mobile.
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0002"))
        .await;
    let mut body = individual("张三", &id, "13912345678");
    body["branch_code"] = json!("BR0002");
    let r = app.post("/api/v1/customers", &rm2, body).await;
    r.assert_problem(409, "duplicate_id_number");
    assert!(!r.text.contains(&no), "the number leaked: {}", r.text);
    assert!(
        !r.text.contains(first["id"].as_str().unwrap()),
        "{}",
        r.text
    );
    assert_eq!(r.body["branch_code"], "BR0001", "{}", r.text);
    let mut body = individual("李四", &resident_id("19810101", 245), "13812345678");
    body["branch_code"] = json!("BR0002");
    let r = app.post("/api/v1/customers", &rm2, body).await;
    r.assert_problem(409, "duplicate_mobile");
    assert!(!r.text.contains(&no), "the number leaked: {}", r.text);
    // The same in a batch item.
    let mut body = individual("王五", &id, "13712345678");
    body["branch_code"] = json!("BR0002");
    let b = app
        .post(
            "/api/v1/customers/batch",
            &rm2,
            json!({"customers": [body]}),
        )
        .await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.text);
    assert_eq!(b.body["items"][0]["error"]["code"], "duplicate_id_number");
    assert!(!b.text.contains(&no), "the number leaked: {}", b.text);
    assert_eq!(app.count("customers").await, 1);
    // Each probe is audited and the owning branch's supervisor is told.
    let probes = app
        .texts("SELECT action FROM audit_log WHERE action = 'customer.duplicate_probe'")
        .await;
    assert_eq!(probes.len(), 3, "{probes:?}");
    let n = app.get("/api/v1/notices", &sup1).await;
    assert_eq!(n.status, StatusCode::OK, "{}", n.text);
    let probes: Vec<&serde_json::Value> = n
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "customer.duplicate_probe")
        .collect();
    assert_eq!(probes.len(), 3, "{}", n.text);
    assert!(
        probes[0]["text"].as_str().unwrap().contains(&no),
        "{}",
        n.text
    );
    // The caller who may see the record still gets its number.
    let r = app
        .post(
            "/api/v1/customers",
            &rm1,
            individual("张三丰", &id, "13612345678"),
        )
        .await;
    r.assert_problem(409, "duplicate_id_number");
    assert_eq!(r.body["customer_no"], first["customer_no"]);
}

/// A back office's file: headings and values in Simplified or Traditional Chinese or English (the
/// workbench's labels), dates as people type them, the manager of each row by username; the rejected
/// rows come back with their personal data masked for a reader who may not reveal it.
async fn an_import_file_may_be_headed_and_filled_in_any_language_with_a_manager_per_row(
    app: &TestApp,
) {
    let ops = app.login_as("ops1", Role::Operations, Some("BR0001")).await;
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm_id = app.get("/api/v1/me", &rm).await.body["id"].clone();
    let zh = format!(
        "类型,网点,中文姓名,证件类型,证件号码,性别,出生日期,婚姻状况,手机,客户经理\n\
         个人,BR0001,王芳,居民身份证,{},女,1990/3/7,已婚,13812345678,rm1\n\
         个人,BR0001,李四,居民身份证,110105198001012451,男,1980年1月1日,未婚,13812345679,rm1\n",
        resident_id("19900307", 242)
    );
    let r = app.import(&ops, "text/csv", zh.into_bytes()).await;
    assert_eq!(r.body["created"], 1, "{}", r.text);
    assert_eq!(r.body["rejected"], 1, "{}", r.text);
    assert_eq!(r.body["ignored_columns"], json!([]), "{}", r.text);
    // The bad row names its field; its ID number and mobile are masked in the report's file.
    let csv = r.body["report"]["rejected_csv"].as_str().unwrap();
    assert!(!csv.contains("110105198001012451"), "{csv}");
    assert!(!csv.contains("13812345679"), "{csv}");
    assert!(csv.contains("110***"), "{csv}");
    let found = app.get("/api/v1/customers?q=王芳", &ops).await;
    let c = &found.body["items"][0];
    assert_eq!(c["rm_id"], rm_id, "{}", found.text);
    assert_eq!(c["birth_date"], "1990-03-07", "{}", found.text);
    let id = c["id"].as_str().unwrap();
    let full = app.get(&format!("/api/v1/customers/{id}"), &ops).await;
    assert_eq!(
        full.body["profile"]["family_status"], "married",
        "{}",
        full.text
    );
    assert_eq!(full.body["profile"]["gender"], "female", "{}", full.text);
    // Traditional Chinese and English headings and values.
    let tw = format!(
        "類型,網點,註冊名稱,統一社會信用代碼,組織形式,行業門類\n企業,BR0001,杭州市嘉禾貿易有限公司,{},有限責任公司,批發和零售業\n",
        "91330100MA27XL0E2G"
    );
    let r = app.import(&ops, "text/csv", tw.into_bytes()).await;
    assert_eq!(r.body["created"], 1, "{}", r.text);
    let en = format!(
        "Kind,Branch,Chinese name,Document number,Gender,Marital status,Relationship manager\nIndividual,BR0001,赵六,{},Male,Single,RM1\n",
        resident_id("19850612", 157)
    );
    let r = app.import(&ops, "text/csv", en.into_bytes()).await;
    assert_eq!(r.body["created"], 1, "{}", r.text);
    // A manager named who is no manager: the row is refused naming the column.
    let bad = format!(
        "类型,网点,中文姓名,证件号码,客户经理\n个人,BR0001,钱七,{},nobody\n",
        resident_id("19700101", 111)
    );
    let r = app.import(&ops, "text/csv", bad.into_bytes()).await;
    assert_eq!(r.body["rejected"], 1, "{}", r.text);
    assert_eq!(
        r.body["report"]["rejected_rows"][0]["errors"][0]["field"], "rm_id",
        "{}",
        r.text
    );
}

/// Saved searches are a person's own: saved by name (the same name again replaces it), listed by name,
/// run as a search, deleted; someone else's cannot be deleted (not found); bad ones are refused by field.
async fn a_person_saves_searches_by_name_runs_them_and_deletes_them(app: &TestApp) {
    let rm = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    app.create(
        &rm,
        individual("王芳", &resident_id("19900307", 242), "13812345678"),
    )
    .await;
    let r = app
        .post(
            "/api/v1/saved-searches",
            &rm,
            json!({"name": "王姓草稿", "query": "q=王&status=draft&cursor=abc"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // The page position is not part of a search.
    assert_eq!(r.body["query"], "q=%E7%8E%8B&status=draft", "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    // The same name again: replaced, not doubled.
    let r = app
        .post(
            "/api/v1/saved-searches",
            &rm,
            json!({"name": "王姓草稿", "query": "q=王&kind=individual"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["id"], id.as_str());
    let list = app.get("/api/v1/saved-searches", &rm).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1, "{}", list.text);
    let query = list.body[0]["query"].as_str().unwrap().to_owned();
    let found = app.get(&format!("/api/v1/customers?{query}"), &rm).await;
    assert_eq!(found.body["total"]["count"], 1, "{}", found.text);
    // Another person sees none of it and cannot delete it.
    assert_eq!(
        app.get("/api/v1/saved-searches", &rm2).await.body,
        json!([])
    );
    app.req(
        Method::DELETE,
        &format!("/api/v1/saved-searches/{id}"),
        Some(&rm2),
        None,
    )
    .await
    .assert_problem(404, "not_found");
    // Refused by field: no name, a query that is no search.
    let r = app
        .post(
            "/api/v1/saved-searches",
            &rm,
            json!({"name": " ", "query": "<script>=1"}),
        )
        .await;
    r.assert_problem(422, "validation");
    let fields: Vec<String> = r.field_errors().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["name", "query"]);
    let r = app
        .req(
            Method::DELETE,
            &format!("/api/v1/saved-searches/{id}"),
            Some(&rm),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(app.get("/api/v1/saved-searches", &rm).await.body, json!([]));
}

/// The 360 page reads the customer once and hands that proof to its other reads; the proof is the reader's own:
/// another person's read with it proves the scope again (out of scope: not found), and the reader's own reads with
/// it answer what they answer by id.
async fn a_customer_seen_by_one_person_is_proved_again_for_another(app: &TestApp) {
    let rm1 = app
        .login_as("rm1", Role::RelationshipManager, Some("BR0001"))
        .await;
    let rm2 = app
        .login_as("rm2", Role::RelationshipManager, Some("BR0001"))
        .await;
    let id: uuid::Uuid = verified_individual(app, &rm1, "13812340001", 801)
        .await
        .parse()
        .unwrap();
    let one = banyan_app::access::authenticate(&app.app, &rm1, "127.0.0.1")
        .await
        .unwrap();
    let two = banyan_app::access::authenticate(&app.app, &rm2, "127.0.0.1")
        .await
        .unwrap();
    let (_, seen) = banyan_app::customers::open(&app.app, &one, id, false)
        .await
        .unwrap();
    assert_eq!(seen.id(), id);
    // rm2 manages other customers: with rm1's proof as without it, rm1's customer does not exist for rm2.
    use banyan_app::AppError::NotFound;
    assert!(matches!(
        banyan_app::engagement::interactions(&app.app, &two, &seen).await,
        Err(NotFound)
    ));
    assert!(matches!(
        banyan_app::engagement::customer_tasks(&app.app, &two, &seen).await,
        Err(NotFound)
    ));
    assert!(matches!(
        banyan_app::customers::versions(&app.app, &two, &seen).await,
        Err(NotFound)
    ));
    assert!(matches!(
        banyan_app::book::customer_book_and_sales(&app.app, &two, &seen).await,
        Err(NotFound)
    ));
    assert!(matches!(
        banyan_app::segments::segments(&app.app, &two, &seen).await,
        Err(NotFound)
    ));
    // rm1's own reads with the proof answer as by id.
    let by_proof = banyan_app::customers::versions(&app.app, &one, &seen)
        .await
        .unwrap();
    let by_id = banyan_app::customers::versions(&app.app, &one, id)
        .await
        .unwrap();
    assert_eq!(by_proof.len(), by_id.len());
    assert!(
        by_proof.len() >= 2,
        "created, submitted and verified: {}",
        by_proof.len()
    );
    let seg = banyan_app::segments::segments(&app.app, &one, &seen)
        .await
        .unwrap();
    assert_eq!(seg.customer_id, id);
}
