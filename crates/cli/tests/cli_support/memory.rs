//! Oversized bodies are refused while they stream in: four 60 MiB requests with an Idempotency-Key (which
//! once made the server buffer up to the import limit before checking) leave the real server process's
//! resident memory where it was, give or take a few buffers.

use crate::Env;
use crate::crash::{Server, login, ready, rm_and_runtime};
use std::time::Duration;

/// Resident memory of a process, in KiB (Linux `/proc`).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

pub(crate) fn oversized_bodies_are_refused_without_being_buffered(e: &Env) {
    let rt = rm_and_runtime(e);
    let server = Server::start(e);
    let pid = server.child.id();
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        ready(&http, &server).await;
        let token = login(&http, &server).await;
        let before = rss_kib(pid);
        // One JSON string of 60 MiB: valid up to where the limit stops reading it.
        let mut big = Vec::with_capacity(60 << 20);
        big.extend_from_slice(b"{\"kind\":\"individual\",\"x\":\"");
        big.resize((60 << 20) - 2, b'a');
        big.extend_from_slice(b"\"}");
        let mut tasks = Vec::new();
        for i in 0..4 {
            let (http, base, token, body) = (
                http.clone(),
                server.base.clone(),
                token.clone(),
                big.clone(),
            );
            tasks.push(tokio::spawn(async move {
                http.post(format!("{base}/api/v1/customers"))
                    .bearer_auth(&token)
                    .header("idempotency-key", format!("big-{i}"))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status())
            }));
        }
        for t in tasks {
            // The server may answer 413 or close the connection mid-upload; it never accepts.
            if let Ok(status) = t.await.unwrap() {
                assert_eq!(status, reqwest::StatusCode::PAYLOAD_TOO_LARGE);
            }
        }
        let after = rss_kib(pid);
        let grew_mib = after.saturating_sub(before) / 1024;
        eprintln!(
            "server resident memory: {before} KiB before, {after} KiB after four 60 MiB bodies"
        );
        // Buffered whole, the four bodies took the server from 66 to 463 MiB; streamed, the limit (2 MiB)
        // bounds what each request may hold.
        assert!(
            grew_mib < 64,
            "the server grew by {grew_mib} MiB ({before} -> {after} KiB)"
        );
        // And it still answers.
        ready(&http, &server).await;
    });
    server.kill();
}
