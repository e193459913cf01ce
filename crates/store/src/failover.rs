//! Several PostgreSQL hosts in one URL, as libpq reads it:
//! `postgres://user:pw@db1:5432,db2:5432/banyan?target_session_attrs=read-write`. The driver (sqlx) opens one
//! host only, so the pool connects to a forwarder on 127.0.0.1 instead; for each new connection the
//! forwarder asks the hosts in order (the last primary first) which one is not in recovery, and joins the
//! two sockets. After a failover the old primary's connections break, the pool opens new ones, and they
//! reach the promoted standby: Banyan carries on without a restart. Nothing is replicated here; replication
//! and promotion are PostgreSQL's and the failover tool's (docs/operations.md).
//!
//! While no host is primary (between a primary's death and the promotion), new connections are closed at
//! once: a request fails fast and its client retries with the same Idempotency-Key.

use crate::error::{Result, StoreError};
use sea_orm::sqlx::{self, Connection as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// A URL naming several hosts, split: each host's own URL (for asking it), and the URL the pool uses once
/// the forwarder listens (its address in place of the hosts).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MultiHost {
    /// `host:port` of each, in the URL's order.
    pub hosts: Vec<String>,
    /// The URL with `{HOST}` where a host goes (and `target_session_attrs` removed: the driver does not
    /// know it; the forwarder is what honours it).
    template: String,
}

impl MultiHost {
    /// `None` for a URL with one host (connected to directly).
    pub(crate) fn parse(url: &str) -> Option<MultiHost> {
        let (scheme, rest) = url.split_once("://")?;
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((u, h)) => (format!("{u}@"), h),
            None => (String::new(), authority),
        };
        if !hosts.contains(',') {
            return None;
        }
        let hosts: Vec<String> = hosts
            .split(',')
            .map(|h| {
                if h.contains(':') {
                    h.to_owned()
                } else {
                    format!("{h}:5432")
                }
            })
            .collect();
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        let kept: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("target_session_attrs="))
            .collect();
        let query = if kept.is_empty() {
            String::new()
        } else {
            format!("?{}", kept.join("&"))
        };
        Some(MultiHost {
            hosts,
            template: format!("{scheme}://{userinfo}{{HOST}}{path}{query}"),
        })
    }

    pub(crate) fn url_for(&self, host: &str) -> String {
        self.template.replace("{HOST}", host)
    }
}

/// Starts the forwarder; returns the URL the pool connects to.
pub(crate) async fn start(m: MultiHost) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(format!("database forwarder: {e}"))))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(format!("database forwarder: {e}"))))?;
    let local = m.url_for(&addr.to_string());
    let m = Arc::new(m);
    let last = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((inbound, _)) = listener.accept().await else {
                continue;
            };
            let (m, last) = (m.clone(), last.clone());
            tokio::spawn(async move {
                match primary(&m, &last).await {
                    Some(host) => {
                        if let Ok(mut out) = TcpStream::connect(&host).await {
                            let _ = out.set_nodelay(true);
                            let _ = inbound.set_nodelay(true);
                            let mut inbound = inbound;
                            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                        }
                    }
                    None => tracing::warn!("no database host is primary now; connection refused"),
                }
            });
        }
    });
    Ok(local)
}

/// The first host (the last primary first) that answers and is not in recovery.
async fn primary(m: &MultiHost, last: &AtomicUsize) -> Option<String> {
    let n = m.hosts.len();
    let start = last.load(Ordering::Relaxed);
    for i in 0..n {
        let at = (start + i) % n;
        let host = &m.hosts[at];
        let ask = async {
            let mut c = sqlx::PgConnection::connect(&m.url_for(host)).await.ok()?;
            let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
                .fetch_one(&mut c)
                .await
                .ok()?;
            let _ = c.close().await;
            Some(standby)
        };
        if let Ok(Some(false)) = tokio::time::timeout(Duration::from_secs(3), ask).await {
            if at != start {
                tracing::warn!(host = %host, "database primary is now another host");
            }
            last.store(at, Ordering::Relaxed);
            return Some(host.clone());
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_host_url_is_split_and_its_session_attribute_left_to_the_forwarder() {
        let m = MultiHost::parse(
            "postgres://bank:pw@db1:5433,db2/banyan?target_session_attrs=read-write&sslmode=prefer",
        )
        .unwrap();
        assert_eq!(m.hosts, ["db1:5433", "db2:5432"]);
        assert_eq!(
            m.url_for("127.0.0.1:9"),
            "postgres://bank:pw@127.0.0.1:9/banyan?sslmode=prefer"
        );
        assert_eq!(MultiHost::parse("postgres://bank@db1:5432/banyan"), None);
    }
}
