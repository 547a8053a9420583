//! The LSP database: RFC 8231 report handling, indexes, purge, parallel writers.

use bytes::Bytes;
use pce_engine::lspdb::{Applied, LspDb, LspKey, PccId, ReportError};
use pcep::wire::object::{Lsp, OperationalStatus};
use pcep::wire::tlv::Tlv;
use pcep::wire::StateReport;

fn pcc(n: u8) -> PccId {
    PccId::Addr(format!("192.0.2.{n}").parse().unwrap())
}

fn report(plsp_id: u32, name: Option<&str>, sync: bool, delegate: bool) -> StateReport {
    StateReport {
        lsp: Lsp {
            plsp_id,
            sync,
            delegate,
            administrative: true,
            operational: OperationalStatus::UP,
            tlvs: name
                .map(|n| Tlv::SymbolicPathName(Bytes::copy_from_slice(n.as_bytes())))
                .into_iter()
                .collect(),
            ..Lsp::default()
        },
        ..StateReport::default()
    }
}

#[test]
fn state_synchronization_then_updates_and_removal() {
    let mut db = LspDb::new();
    let p = pcc(1);
    let key = |plsp_id| LspKey { pcc: p, plsp_id };
    // RFC 8231 §5.6: S=1 reports, then the end-of-sync marker.
    assert_eq!(
        db.apply(p, &report(1, Some("a"), true, false)),
        Ok(Applied::Created(key(1)))
    );
    assert_eq!(
        db.apply(p, &report(2, Some("b"), true, true)),
        Ok(Applied::Created(key(2)))
    );
    assert_eq!(
        db.apply(p, &StateReport::end_of_sync()),
        Ok(Applied::EndOfSync)
    );
    assert_eq!(db.len(), 2);
    assert_eq!(db.by_name(p, b"b"), Some(key(2)));
    assert!(db.get(&key(2)).unwrap().report().lsp.delegate);
    // Later reports may omit the name; the state is replaced whole.
    assert_eq!(
        db.apply(p, &report(2, None, false, false)),
        Ok(Applied::Updated(key(2)))
    );
    let e = db.get(&key(2)).unwrap();
    assert_eq!(
        (e.name.as_ref(), e.report().lsp.delegate, e.reports),
        (&b"b"[..], false, 2)
    );
    // R=1 removes it, and its name.
    let mut r = report(2, None, false, false);
    r.lsp.remove = true;
    assert_eq!(db.apply(p, &r), Ok(Applied::Removed(key(2))));
    assert_eq!((db.len(), db.by_name(p, b"b")), (1, None));
}

#[test]
fn bad_reports_are_refused_without_changing_anything() {
    let mut db = LspDb::new();
    let p = pcc(1);
    assert_eq!(
        db.apply(p, &report(5, None, true, false)),
        Err(ReportError::Unnamed(5))
    );
    assert_eq!(
        db.apply(p, &report(0xF_FFFF, Some("x"), true, false)),
        Err(ReportError::ReservedPlspId(0xF_FFFF))
    );
    assert_eq!(
        db.apply(p, &report(0, Some("x"), true, false)),
        Err(ReportError::ReservedPlspId(0))
    );
    db.apply(p, &report(1, Some("dup"), true, false)).unwrap();
    assert_eq!(
        db.apply(p, &report(2, Some("dup"), true, false)),
        Err(ReportError::NameInUse(1))
    );
    assert_eq!(db.len(), 1);
    // The same name on another PCC is another LSP.
    assert!(db
        .apply(pcc(2), &report(2, Some("dup"), true, false))
        .is_ok());
}

#[test]
fn a_rename_moves_the_name_index() {
    let mut db = LspDb::new();
    let p = pcc(1);
    db.apply(p, &report(1, Some("old"), true, false)).unwrap();
    db.apply(p, &report(1, Some("new"), false, false)).unwrap();
    assert_eq!(db.by_name(p, b"old"), None);
    assert_eq!(db.by_name(p, b"new"), Some(LspKey { pcc: p, plsp_id: 1 }));
}

#[test]
fn purge_forgets_one_pcc_only() {
    let mut db = LspDb::new();
    for n in 1..=3 {
        for id in 1..=10 {
            db.apply(pcc(n), &report(id, Some(&format!("l{id}")), true, false))
                .unwrap();
        }
    }
    assert_eq!(db.purge(pcc(2)), 10);
    assert_eq!(db.len(), 20);
    assert!(db.of_pcc(pcc(2)).is_empty());
    assert_eq!(db.by_name(pcc(2), b"l1"), None);
    assert_eq!(db.of_pcc(pcc(3)).len(), 10);
}

#[test]
fn a_snapshot_is_one_version_that_later_changes_do_not_touch() {
    let mut db = LspDb::new();
    for n in 1..=8u8 {
        for id in 1..=5_000 {
            db.apply(
                pcc(n),
                &report(id, Some(&format!("lsp-{id}")), true, id % 2 == 0),
            )
            .unwrap();
        }
    }
    let snapshot = db.snapshot();
    assert!(db.is_current(&snapshot));
    // Changes after the snapshot: a rename, a removal, a purge, a new LSP,
    // a change of control.
    db.apply(pcc(1), &report(7, Some("renamed"), false, false))
        .unwrap();
    db.remove(&LspKey {
        pcc: pcc(2),
        plsp_id: 3,
    });
    assert_eq!(db.purge(pcc(3)), 5_000);
    db.apply(pcc(9), &report(1, Some("new"), true, false))
        .unwrap();
    let k = LspKey {
        pcc: pcc(4),
        plsp_id: 4,
    };
    db.with_mut(&k, |e| e.control.delegated = true);
    assert!(!db.is_current(&snapshot));

    assert_eq!(snapshot.len(), 40_000);
    let keys = snapshot.keys();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "sorted, no duplicates"
    );
    assert_eq!(
        snapshot.by_name(pcc(1), b"lsp-7"),
        Some(LspKey {
            pcc: pcc(1),
            plsp_id: 7
        })
    );
    assert_eq!(snapshot.by_name(pcc(1), b"renamed"), None);
    assert_eq!(snapshot.of_pcc(pcc(3)).len(), 5_000);
    assert_eq!(snapshot.by_name(pcc(9), b"new"), None);
    assert!(!snapshot.with(&k, |e| e.control.delegated).unwrap());

    assert_eq!(db.len(), 40_000 - 1 - 5_000 + 1);
    assert_eq!(db.by_name(pcc(1), b"lsp-7"), None);
    assert!(db.with(&k, |e| e.control.delegated).unwrap());
}

#[test]
fn a_report_that_cannot_be_stored_leaves_its_name_free() {
    let mut db = LspDb::new();
    let p = pcc(1);
    // A name too long for its TLV's length field: the report does not
    // encode again, so it cannot be stored.
    let long = "n".repeat(70_000);
    assert_eq!(
        db.apply(p, &report(1, Some(&long), true, false)),
        Err(ReportError::Unstorable(1))
    );
    assert_eq!(db.by_name(p, long.as_bytes()), None);
    assert!(db.is_empty());
    // Another LSP with that name is refused for the same reason, not as a
    // name in use by the LSP that was never stored.
    assert_eq!(
        db.apply(p, &report(2, Some(&long), true, false)),
        Err(ReportError::Unstorable(2))
    );
}

/// The counts `/metrics` reads follow every change: against a recount,
/// after a seeded sequence of reports, flag changes, removals and purges,
/// and in a snapshot taken on the way (which keeps its own).
#[test]
fn the_tally_follows_every_change() {
    use pce_engine::lspdb::Tally;
    let recount = |db: &LspDb| {
        let mut t = Tally::default();
        for (_, e) in db.iter() {
            t.delegated += usize::from(e.control.delegated);
            t.initiated += usize::from(e.control.initiated);
            t.without_path += usize::from(e.control.delegated && e.control.no_path);
        }
        t
    };
    let mut db = LspDb::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let mut snapshot = None;
    for step in 0..5_000 {
        let p = pcc(1 + next(3) as u8);
        let plsp = 1 + next(40) as u32;
        let key = LspKey {
            pcc: p,
            plsp_id: plsp,
        };
        match next(10) {
            0..=3 => {
                let _ = db.apply(p, &report(plsp, Some(&format!("l{plsp}")), false, false));
            }
            4..=7 => {
                let (d, i, n) = (next(2) == 0, next(2) == 0, next(2) == 0);
                db.with_mut(&key, |e| {
                    e.control.delegated = d;
                    e.control.initiated = i;
                    e.control.no_path = n;
                });
            }
            8 => {
                db.remove(&key);
            }
            _ => {
                if next(20) == 0 {
                    db.purge(p);
                }
            }
        }
        if step == 2_500 {
            let s = db.snapshot();
            snapshot = Some((recount(&db), s));
        }
        assert_eq!(db.snapshot().tally(), recount(&db), "step {step}");
    }
    let (then, s) = snapshot.unwrap();
    assert_eq!(s.tally(), then);
    assert!(db.snapshot().tally().delegated > 0);
}
