//! Every migration step in order: its version, its name and the function that builds its statements.

use super::*;

pub(super) const STEPS: &[Step] = &[
    Step {
        version: 1,
        name: "customer registry foundation",
        run: v1,
    },
    Step {
        version: 2,
        name: "workbench sessions",
        run: v2,
    },
    Step {
        version: 3,
        name: "policy engine: metrics, segments, history, outbox, alerts",
        run: v3,
    },
    Step {
        version: 4,
        name: "relationship maintenance: tasks, interactions, notification outbox, events",
        run: v4,
    },
    Step {
        version: 5,
        name: "staff teams and departments, campaign report index",
        run: v5,
    },
    Step {
        version: 6,
        name: "feedback and complaint cases, staff notices, calendars",
        run: v6,
    },
    Step {
        version: 7,
        name: "feedback case attachments",
        run: v7,
    },
    Step {
        version: 8,
        name: "feedback cases: escalation stage per clock",
        run: v8,
    },
    Step {
        version: 9,
        name: "keyed audit chain: record MACs, quarantine",
        run: audit_keyed::v9,
    },
    Step {
        version: 10,
        name: "audit log append-only in the database",
        run: audit_keyed::v10,
    },
    Step {
        version: 11,
        name: "customer imports as server jobs",
        run: imports::v11,
    },
    Step {
        version: 12,
        name: "customer search index",
        run: search::v12,
    },
    Step {
        version: 13,
        name: "staff notices about a customer",
        run: search::v13,
    },
    Step {
        version: 14,
        name: "saved customer searches",
        run: saved::v14,
    },
    Step {
        version: 15,
        name: "campaigns that wait for their time or an approval",
        run: campaigns::v15,
    },
    Step {
        version: 16,
        name: "the bank's book: products, accounts, holdings, loads",
        run: book::v16,
    },
    Step {
        version: 17,
        name: "transactions and channel events (by month on PostgreSQL)",
        run: activity::v17,
    },
    Step {
        version: 18,
        name: "insights: needs read from behaviour",
        run: insights::v18,
    },
    Step {
        version: 19,
        name: "monitoring of large and unusual transactions: one alert queue, hits",
        run: monitoring::v19,
    },
    Step {
        version: 20,
        name: "sales and applications with the gate's decision",
        run: sales::v20,
    },
    Step {
        version: 21,
        name: "insight follow-up tasks; transactions loads marked once monitored",
        run: followups::v21,
    },
    Step {
        version: 22,
        name: "transactions loads from before the monitored mark marked as read",
        run: followups::v22,
    },
    Step {
        version: 23,
        name: "feed files loaded as jobs: the file kept until the load ends, the runner's lease",
        run: loadjobs::v23,
    },
    Step {
        version: 24,
        name: "customer acquisition: partners, leads and their history",
        run: acquisition::v24,
    },
    Step {
        version: 25,
        name: "a deal's papers: proposal rounds, contract and application with their review, documents",
        run: acquisition::v25,
    },
    Step {
        version: 26,
        name: "visits to leads: the plan with its preparation, the record and feedback",
        run: acquisition::v26,
    },
    Step {
        version: 27,
        name: "an account opening names its account",
        run: sales::v27,
    },
    Step {
        version: 28,
        name: "the deal's team: a product manager and an operations person on each lead",
        run: acquisition::v28,
    },
    Step {
        version: 29,
        name: "the acquisition team's meetings, their minutes and actions",
        run: acquisition::v29,
    },
    Step {
        version: 30,
        name: "acquisition campaigns with their strategy; the campaign of a lead",
        run: acquisition::v30,
    },
    Step {
        version: 31,
        name: "acquisition risk: responses to a deal's risks, warnings about partners",
        run: acquisition::v31,
    },
    Step {
        version: 32,
        name: "the funnel's period within a branch's or an owner's leads",
        run: acquisition::v32,
    },
    Step {
        version: 33,
        name: "import jobs for leads as well as customers",
        run: imports::v33,
    },
    Step {
        version: 34,
        name: "the new customers' satisfaction surveys",
        run: acquisition::v34,
    },
    Step {
        version: 35,
        name: "care for customers in critical illness or hardship: records, teams, tasks, measures, the compartment",
        run: care::v35,
    },
    Step {
        version: 36,
        name: "care: the compartment's documents, partner hospitals, satisfaction surveys",
        run: care::v36,
    },
    Step {
        version: 37,
        name: "wealth: suitability at the moment of sale",
        run: wealth::v37,
    },
    Step {
        version: 38,
        name: "wealth: the suitability report's period index",
        run: wealth::v38,
    },
    Step {
        version: 39,
        name: "wealth: the client's financial picture, goals, reviews, plans and advisory team",
        run: wealth::v39,
    },
    Step {
        version: 40,
        name: "wealth: the referrals clients make (the referral rate of the managers' KPIs)",
        run: wealth::v40,
    },
    Step {
        version: 41,
        name: "acquisition: the market's figures the market-share targets are read against",
        run: acquisition::v41,
    },
    Step {
        version: 42,
        name: "staff performance: targets per person and quarter, closed scorecards",
        run: performance::v42,
    },
    Step {
        version: 43,
        name: "staff performance: the yearly bonus and promotion decision, team and branch targets",
        run: performance::v43,
    },
    Step {
        version: 44,
        name: "staff training: courses, programmes and enrolments, sessions with attendance, scores and certificates",
        run: performance::v44,
    },
    Step {
        version: 45,
        name: "staff rewards: schemes over closed scorecards with their awards, approved by a second person; honours",
        run: performance::v45,
    },
    Step {
        version: 46,
        name: "staff training: whether a person signed themselves up for a session (and may withdraw); a team's or branch's target for the group as a whole",
        run: performance::v46,
    },
    Step {
        version: 47,
        name: "audit log partitioned by month on PostgreSQL; the catalogue of archived months",
        run: archive::v47,
    },
    Step {
        version: 48,
        name: "the policy in force for every node",
        run: policy::v48,
    },
    Step {
        version: 49,
        name: "a feed's record unique by source, id and instant (two loads of the same records write them once)",
        run: activity::v49,
    },
    Step {
        version: 50,
        name: "service accounts: the addresses they call from; when a token was last used",
        run: access::v50,
    },
    Step {
        version: 51,
        name: "the outbound feed: the outbox's events numbered as they are published",
        run: outbound::v51,
    },
    Step {
        version: 52,
        name: "webhook subscriptions following the outbound feed, and their delivery log",
        run: outbound::v52,
    },
    Step {
        version: 53,
        name: "a second factor for local accounts (TOTP); the outbox's events from before the feed kept out of it",
        run: access::v53,
    },
    Step {
        version: 54,
        name: "duplicate customers: candidate pairs, merges with four eyes, and the rows each merge moved",
        run: merge::v54,
    },
    Step {
        version: 55,
        name: "requests of people exercising their rights over their data, with their working-day deadline",
        run: rights::v55,
    },
    Step {
        version: 56,
        name: "single sign-on attempts: the nonce and PKCE verifier a sign-in through the bank's identity provider comes back to",
        run: sso::v56,
    },
    Step {
        version: 57,
        name: "wrong second-factor codes counted per account, and the pause they bring",
        run: totp_lock::v57,
    },
    Step {
        version: 58,
        name: "single sign-on: the provider's identity an account is bound to, and sessions that came through it",
        run: sso::v58,
    },
    Step {
        version: 59,
        name: "recovery codes of the second factor, kept as hashes",
        run: totp_lock::v59,
    },
    Step {
        version: 60,
        name: "erasures on a person's request: restricted while the law keeps the records, then erased",
        run: rights::v60,
    },
    Step {
        version: 61,
        name: "legal holds on a person's records (litigation, a regulator's inquiry): kept from erasure while they stand",
        run: rights::v61,
    },
    Step {
        version: 62,
        name: "second-factor pauses in a row: each pause of code entry twice as long as the last",
        run: totp_lock::v62,
    },
    Step {
        version: 63,
        name: "messages and case logs partitioned by month on PostgreSQL; message cause keys kept apart, one per key",
        run: months::v63,
    },
];
