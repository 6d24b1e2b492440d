//! The SQLite store keeps what it is given, and says clearly what it refuses.

use callbar_store::*;

fn agent(email: &str) -> NewUser {
    NewUser {
        email: email.into(),
        name: "Ada Agent".into(),
        role: Role::Agent,
        password_hash: "$argon2id$fake".into(),
        extension: None,
    }
}

#[tokio::test]
async fn users_sessions_and_cascades() {
    let store = SqliteStore::in_memory().await.unwrap();
    assert_eq!(store.user_count().await.unwrap(), 0);
    let user = store.create_user(agent("ada@example.com")).await.unwrap();
    assert_eq!(user.status_code, "30", "new agents start Offline");
    assert_eq!(user.id.len(), 22);

    let dup = store.create_user(agent("ADA@example.com")).await.unwrap_err();
    assert!(
        matches!(dup, StoreError::Conflict(_)),
        "emails are unique regardless of case: {dup}"
    );

    let (found, hash) = store.credentials("Ada@Example.com").await.unwrap().unwrap();
    assert_eq!(found.id, user.id);
    assert_eq!(hash, "$argon2id$fake");

    store.set_status_code(&user.id, "1").await.unwrap();
    assert_eq!(store.user(&user.id).await.unwrap().unwrap().status_code, "1");

    let session = Session {
        token_hash: vec![1, 2, 3],
        user_id: user.id.clone(),
        created_at: 1,
        expires_at: 100,
    };
    store.create_session(session.clone()).await.unwrap();
    assert_eq!(store.session(&[1, 2, 3]).await.unwrap(), Some(session));
    assert_eq!(store.purge_expired_sessions(50).await.unwrap(), 0);
    assert_eq!(store.purge_expired_sessions(100).await.unwrap(), 1);

    store
        .create_session(Session {
            token_hash: vec![9],
            user_id: user.id.clone(),
            created_at: 1,
            expires_at: 100,
        })
        .await
        .unwrap();
    store.delete_user(&user.id).await.unwrap();
    assert_eq!(
        store.session(&[9]).await.unwrap(),
        None,
        "deleting a user ends their sessions"
    );
    assert!(matches!(
        store.delete_user(&user.id).await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn extensions_are_the_lowest_free_from_1001_and_unique() {
    let store = SqliteStore::in_memory().await.unwrap();
    let a = store.create_user(agent("a@example.com")).await.unwrap();
    let chosen = NewUser {
        extension: Some("1003".into()),
        ..agent("c@example.com")
    };
    store.create_user(chosen).await.unwrap();
    let b = store.create_user(agent("b@example.com")).await.unwrap();
    let d = store.create_user(agent("d@example.com")).await.unwrap();
    let exts = [a.extension, b.extension, d.extension.clone()];
    assert_eq!(exts, ["1001", "1002", "1004"], "a chosen extension is skipped");

    let clash = NewUser {
        extension: Some("1002".into()),
        ..agent("e@example.com")
    };
    let e = store.create_user(clash).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(what) if what.contains("extension \"1002\"")),
        "{e}"
    );
    let change = UserUpdate {
        extension: Some("1001".into()),
        ..UserUpdate::default()
    };
    let e = store.update_user(&d.id, change).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(what) if what.contains("extension \"1001\"")),
        "{e}"
    );

    store.delete_user(&b.id).await.unwrap();
    let f = store.create_user(agent("f@example.com")).await.unwrap();
    assert_eq!(f.extension, "1002", "a freed extension is given again");
}

/// Creations at once on the file store's several connections: each finds its free
/// extension inside its own insert.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn users_created_at_once_get_distinct_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.create_user(agent(&format!("a{i}@example.com"))).await })
        })
        .collect();
    let mut extensions = Vec::new();
    for task in tasks {
        extensions.push(task.await.unwrap().unwrap().extension);
    }
    extensions.sort();
    let expected: Vec<String> = (1001..=1020).map(|n| n.to_string()).collect();
    assert_eq!(extensions, expected);
}

/// A database from before extensions were unique may hold duplicates (users created at
/// once); the migration renumbers all but the first holder instead of failing.
#[tokio::test]
async fn duplicate_extensions_of_older_databases_are_renumbered() {
    let dir = tempfile::tempdir().unwrap();
    let before = tempfile::tempdir().unwrap();
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for name in ["0001_organization.sql", "0002_contact_center.sql", "0003_voice.sql"] {
        std::fs::copy(migrations.join(name), before.path().join(name)).unwrap();
    }
    {
        use sqlx::ConnectOptions;
        let mut db = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join("callbar.db"))
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        sqlx::migrate::Migrator::new(before.path())
            .await
            .unwrap()
            .run(&mut db)
            .await
            .unwrap();
        for (id, ext, at) in [
            ("a", "1001", 1),
            ("b", "1001", 2),
            ("c", "1002", 3),
            ("d", "1001", 4),
            ("e", "", 5),
            ("f", "", 6),
        ] {
            sqlx::query(
                "INSERT INTO users (id, email, name, role, password_hash, extension, created_at)
                 VALUES (?, ?, 'X', 'agent', 'h', ?, ?)",
            )
            .bind(id)
            .bind(format!("{id}@example.com"))
            .bind(ext)
            .bind(at)
            .execute(&mut db)
            .await
            .unwrap();
        }
    }
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let extensions: Vec<(String, String)> = store
        .users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.id, u.extension))
        .collect();
    let expected = [
        ("a", "1001"),
        ("b", "1003"),
        ("c", "1002"),
        ("d", "1004"),
        ("e", ""),
        ("f", ""),
    ];
    assert_eq!(
        extensions,
        expected.map(|(id, ext)| (id.to_owned(), ext.to_owned())),
        "the first holder keeps it; users without one stay without"
    );
}

#[tokio::test]
async fn reasons_get_codes_from_20() {
    let store = SqliteStore::in_memory().await.unwrap();
    let lunch = store.add_status_reason("Lunch").await.unwrap();
    let brk = store.add_status_reason("Break").await.unwrap();
    assert_eq!((lunch.code.as_str(), brk.code.as_str()), ("20", "21"));
    assert!(matches!(
        store.add_status_reason("lunch").await,
        Err(StoreError::Conflict(_))
    ));
    store.remove_status_reason("20").await.unwrap();
    assert_eq!(store.status_reasons().await.unwrap(), vec![brk]);
}

#[tokio::test]
async fn reasons_added_at_once_get_distinct_codes() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.add_status_reason(&format!("Reason {i}")).await })
        })
        .collect();
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.unwrap().unwrap().code.parse::<u32>().unwrap());
    }
    codes.sort_unstable();
    assert_eq!(codes, (20..30).collect::<Vec<u32>>());
}

#[tokio::test]
async fn domains_queues_dispositions() {
    let store = SqliteStore::in_memory().await.unwrap();
    store.add_domain("https://crm.example.com").await.unwrap();
    assert!(store.domain_approved("https://crm.example.com").await.unwrap());
    assert!(!store.domain_approved("https://evil.example.com").await.unwrap());
    assert!(matches!(
        store.add_domain("https://crm.example.com").await,
        Err(StoreError::Conflict(_))
    ));
    store.remove_domain("https://crm.example.com").await.unwrap();
    assert!(store.domains().await.unwrap().is_empty());

    let q = store
        .create_queue(NewQueue {
            name: "Support".into(),
            channel: "voice".into(),
        })
        .await
        .unwrap();
    let bad = store
        .create_queue(NewQueue {
            name: "Fax".into(),
            channel: "fax".into(),
        })
        .await;
    assert!(matches!(bad, Err(StoreError::Backend(_))));
    let d = store.add_disposition(&q.id, "Resolved").await.unwrap();
    assert_eq!(store.dispositions().await.unwrap(), vec![d]);
    assert!(matches!(
        store.add_disposition("nope", "Resolved").await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn the_file_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SqliteStore::open(dir.path()).await.unwrap();
        store.add_domain("http://127.0.0.1:8081").await.unwrap();
    }
    let store = SqliteStore::open(dir.path()).await.unwrap();
    assert_eq!(
        store.domains().await.unwrap(),
        vec!["http://127.0.0.1:8081".to_string()]
    );
}

#[tokio::test]
async fn the_command_log_snapshots_and_the_outbox() {
    let store = SqliteStore::in_memory().await.unwrap();
    let entry = |e: &str, m: &str| NewOutboxEntry {
        engagement_id: e.into(),
        agent_id: "ada".into(),
        messages: m.into(),
    };
    let appended = store
        .append_commands(
            &[(1, "a".into()), (2, "b".into()), (3, "c".into())],
            &[entry("e0", "[0]"), entry("e0", "[again]")],
        )
        .await
        .unwrap();
    assert_eq!(appended.last_seq, 3);
    assert_eq!(
        appended.outbox_ids[0], appended.outbox_ids[1],
        "one entry per engagement"
    );
    assert_eq!(store.outbox_entry("e0").await.unwrap().unwrap().messages, "[0]");
    store.mark_delivered(appended.outbox_ids[0], "ada").await.unwrap();
    let after_one: Vec<_> = store
        .commands_after(1)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.command)
        .collect();
    assert_eq!(after_one, ["b", "c"]);
    store
        .save_snapshot(Snapshot {
            seq: 2,
            at: 2,
            state: "{}".into(),
        })
        .await
        .unwrap();
    assert_eq!(store.snapshot().await.unwrap().unwrap().seq, 2);
    let rest = store.commands_after(0).await.unwrap();
    assert_eq!(rest.len(), 1, "entries covered by the snapshot are dropped");
    assert_eq!(
        store.append_commands(&[(4, "d".into())], &[]).await.unwrap().last_seq,
        4,
        "sequence numbers never repeat"
    );
    let several = store
        .append_commands(&[(5, "e".into()), (6, "f".into())], &[])
        .await
        .unwrap();
    assert_eq!(several.last_seq, 6, "the last of several commands appended at once");
    let logged: Vec<_> = store.commands_after(4).await.unwrap();
    let logged: Vec<_> = logged.iter().map(|c| (c.seq, c.at, c.command.as_str())).collect();
    assert_eq!(logged, [(5, 5, "e"), (6, 6, "f")]);

    store.add_outbox("e1", "ada", "[1]").await.unwrap();
    store.add_outbox("e1", "ada", "[2]").await.unwrap();
    let pending = store.pending_outbox("ada").await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].messages, "[1]", "recording twice keeps the first");
    assert!(
        !store.mark_delivered(pending[0].id, "grace").await.unwrap(),
        "only the agent's own"
    );
    assert!(store.mark_delivered(pending[0].id, "ada").await.unwrap());
    assert!(!store.mark_delivered(pending[0].id, "ada").await.unwrap(), "once");
    assert!(store.pending_outbox("ada").await.unwrap().is_empty());
    assert!(store.outbox_entry("e1").await.unwrap().unwrap().delivered_at.is_some());
}

#[tokio::test]
async fn api_tokens_are_found_by_hash() {
    let store = SqliteStore::in_memory().await.unwrap();
    let t = store.create_api_token("CRM sync", &[7; 32]).await.unwrap();
    assert_eq!(store.api_token(&[7; 32]).await.unwrap(), Some(t.clone()));
    assert_eq!(store.api_token(&[8; 32]).await.unwrap(), None);
    store.delete_api_token(&t.id).await.unwrap();
    assert!(store.api_tokens().await.unwrap().is_empty());
}

#[tokio::test]
async fn deliveries_are_recorded_in_batches_for_their_own_agent_only() {
    let store = SqliteStore::in_memory().await.unwrap();
    store.add_outbox("e1", "ada", "[]").await.unwrap();
    store.add_outbox("e2", "ada", "[]").await.unwrap();
    let ids: Vec<i64> = store
        .pending_outbox("ada")
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    store
        .mark_delivered_many(&[(ids[0], "ada".into()), (ids[1], "grace".into())])
        .await
        .unwrap();
    let left: Vec<i64> = store
        .pending_outbox("ada")
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(left, vec![ids[1]], "grace cannot confirm ada's entry");
}

#[tokio::test]
async fn entry_points_and_engagement_contacts() {
    let store = SqliteStore::in_memory().await.unwrap();
    let q = store
        .create_queue(NewQueue {
            name: "Voice".into(),
            channel: "voice".into(),
        })
        .await
        .unwrap();
    let e = store
        .create_entry_point(NewEntryPoint {
            name: "Website".into(),
            kind: "widget".into(),
            queue_id: q.id.clone(),
            address: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(store.entry_points().await.unwrap(), vec![e.clone()]);
    let bad = store
        .create_entry_point(NewEntryPoint {
            name: "Other".into(),
            kind: "widget".into(),
            queue_id: "nope".into(),
            address: String::new(),
        })
        .await;
    assert!(matches!(bad, Err(StoreError::NotFound(_))));
    store.set_engagement_contact("e1", "{\"id\":\"1\"}").await.unwrap();
    store.set_engagement_contact("e1", "{\"id\":\"2\"}").await.unwrap();
    assert_eq!(
        store.engagement_contact("e1").await.unwrap().as_deref(),
        Some("{\"id\":\"2\"}")
    );
    store.delete_entry_point(&e.id).await.unwrap();
}
