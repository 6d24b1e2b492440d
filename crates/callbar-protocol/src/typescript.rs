//! Generates the TypeScript declarations the browser code is checked against.
//!
//! `web/types/protocol.d.ts` is this module's output. The test `typescript_is_fresh` fails
//! when the file differs from what the Rust types produce; regenerate it with
//! `UPDATE_TS=1 cargo test -p callbar-protocol`.

use std::any::TypeId;
use std::collections::BTreeMap;

use ts_rs::{Config, TS, TypeVisitor};

use crate::channel::{ClientOp, CustomerOp, CustomerServerOp, ServerOp};
use crate::{EmbedMessage, HostMessage};

/// The declarations of every protocol type, sorted by name, as one `.d.ts` file.
pub fn declarations() -> String {
    let cfg = Config::new().with_large_int("number");
    let mut collector = Collector {
        cfg: &cfg,
        seen: Vec::new(),
        decls: BTreeMap::new(),
    };
    collector.visit::<EmbedMessage>();
    collector.visit::<HostMessage>();
    collector.visit::<ClientOp>();
    collector.visit::<ServerOp>();
    collector.visit::<CustomerOp>();
    collector.visit::<CustomerServerOp>();
    let mut out = String::from(
        "// Generated from crates/callbar-protocol by `UPDATE_TS=1 cargo test -p callbar-protocol`.\n\
         // Do not edit: the test `typescript_is_fresh` fails when this file is stale.\n\n",
    );
    for decl in collector.decls.values() {
        out.push_str("export ");
        out.push_str(decl.trim());
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

struct Collector<'a> {
    cfg: &'a Config,
    seen: Vec<TypeId>,
    decls: BTreeMap<String, String>,
}

impl TypeVisitor for Collector<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        let id = TypeId::of::<T>();
        if self.seen.contains(&id) {
            return;
        }
        self.seen.push(id);
        if T::output_path().is_some() {
            self.decls.insert(T::ident(self.cfg), T::decl(self.cfg));
        }
        T::visit_dependencies(self);
    }
}
