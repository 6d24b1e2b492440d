//! The generated TypeScript declarations must match the Rust types.

use std::path::PathBuf;

#[test]
fn typescript_is_fresh() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web/types/protocol.d.ts");
    let generated = callbar_protocol::typescript::declarations();
    if std::env::var_os("UPDATE_TS").is_some() {
        std::fs::write(&path, &generated).expect("write web/types/protocol.d.ts");
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "web/types/protocol.d.ts is stale: run `UPDATE_TS=1 cargo test -p callbar-protocol` and commit the result"
    );
}
