//! The SQLite store keeps what it is given, and says clearly what it refuses.

use callbar_store::*;

fn agent(email: &str) -> NewUser {
    NewUser {
        email: email.into(),
        name: "Ada Agent".into(),
        role: Role::Agent,
        password_hash: "$argon2id$fake".into(),
        extension: "1001".into(),
    }
}

#[tokio::test]
async fn users_sessions_and_cascades() {
    let store = SqliteStore::in_memory().await.unwrap();
    assert_eq!(store.user_count().await.unwrap(), 0);
    let user = store.create_user(agent("ada@example.com")).await.unwrap();
    assert_eq!(user.status_code, "30", "new agents start Offline");
    assert_eq!(user.id.len(), 22);

    let dup = store
        .create_user(agent("ADA@example.com"))
        .await
        .unwrap_err();
    assert!(
        matches!(dup, StoreError::Conflict(_)),
        "emails are unique regardless of case: {dup}"
    );

    let (found, hash) = store.credentials("Ada@Example.com").await.unwrap().unwrap();
    assert_eq!(found.id, user.id);
    assert_eq!(hash, "$argon2id$fake");

    store.set_status_code(&user.id, "1").await.unwrap();
    assert_eq!(
        store.user(&user.id).await.unwrap().unwrap().status_code,
        "1"
    );

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
async fn domains_queues_dispositions() {
    let store = SqliteStore::in_memory().await.unwrap();
    store.add_domain("https://crm.example.com").await.unwrap();
    assert!(
        store
            .domain_approved("https://crm.example.com")
            .await
            .unwrap()
    );
    assert!(
        !store
            .domain_approved("https://evil.example.com")
            .await
            .unwrap()
    );
    assert!(matches!(
        store.add_domain("https://crm.example.com").await,
        Err(StoreError::Conflict(_))
    ));
    store
        .remove_domain("https://crm.example.com")
        .await
        .unwrap();
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
