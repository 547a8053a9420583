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

/// The API's indexes (`runtime::lookup`) follow every change: after a
/// seeded sequence of reports (names shared across PCCs, association
/// groups that come and go), state and computing-PCE changes, removals and
/// purges, each index asked from a random cursor gives exactly what a
/// search of the same version gives, in order.
#[test]
fn the_api_indexes_follow_every_change() {
    use pce_engine::runtime::lookup::{computing_pce, groups_of, Lookup};
    use std::collections::BTreeSet;
    use std::net::IpAddr;
    use std::sync::Arc;
    let me: IpAddr = "198.51.100.1".parse().unwrap();
    let peers: [IpAddr; 2] = [
        "198.51.100.2".parse().unwrap(),
        "2001:db8::2".parse().unwrap(),
    ];
    let sources: [IpAddr; 2] = [
        "192.0.2.100".parse().unwrap(),
        "2001:db8::100".parse().unwrap(),
    ];
    let published = arc_swap::ArcSwap::from_pointee(LspDb::new().snapshot());
    let lookup = Lookup::new(Some(me));
    let mut db = LspDb::new();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let mut checked = [0usize; 4];
    for step in 0..6_000 {
        let p = pcc(1 + next(4) as u8);
        let plsp = 1 + next(30) as u32;
        let key = LspKey {
            pcc: p,
            plsp_id: plsp,
        };
        match next(12) {
            0..=3 => {
                let mut r = report(plsp, Some(&format!("n{}", next(8))), false, false);
                for _ in 0..next(3) {
                    r.associations.push(pcep::wire::object::Association {
                        header: pcep::wire::object::HeaderFlags::default(),
                        association_flags: 0,
                        association_type: pcep::wire::AssociationType(1 + next(2) as u16),
                        association_id: 1 + next(3) as u16,
                        source: sources[next(2) as usize],
                        tlvs: Vec::new(),
                    });
                }
                let _ = db.apply(p, &r);
            }
            4..=6 => {
                let (d, i, n) = (next(2) == 0, next(2) == 0, next(2) == 0);
                db.with_mut(&key, |e| {
                    e.control.delegated = d;
                    e.control.initiated = i;
                    e.control.no_path = n;
                });
            }
            7..=8 => {
                let (s, c) = (next(3), next(3));
                db.with_mut(&key, |e| {
                    let inter = e.control.inter_mut();
                    inter.sub_delegated_to = peers.get(s as usize).copied();
                    inter.computed_by = peers.get(c as usize).copied();
                });
            }
            9 => {
                db.remove(&key);
            }
            _ => {
                if next(30) == 0 {
                    db.purge(p);
                }
            }
        }
        if step % 40 != 39 {
            continue;
        }
        published.store(Arc::new(db.snapshot()));
        let ix = lookup.read(&published);
        let v = ix.version();
        assert!(Arc::ptr_eq(v, &published.load()), "step {step}");
        // A cursor: a key of the database, or one that is not there.
        let keys = v.keys();
        let from = match next(3) {
            0 => None,
            1 if !keys.is_empty() => Some(keys[next(keys.len() as u64) as usize]),
            _ => Some(key),
        };
        let search = |f: &dyn Fn(&LspKey, &pce_engine::lspdb::LspEntry) -> bool| -> Vec<LspKey> {
            v.iter()
                .filter(|(k, e)| from.is_none_or(|a| **k > a) && f(k, e))
                .map(|(k, _)| *k)
                .collect()
        };
        for n in 0..8 {
            let name = format!("n{n}");
            let got: Vec<LspKey> = ix
                .named(name.as_bytes(), from)
                .filter(|k| v.with(k, |e| e.name == name.as_bytes()).unwrap())
                .collect();
            let want = search(&|_, e| e.name == name.as_bytes());
            checked[0] += want.len();
            assert_eq!(got, want, "step {step}: name {name}");
        }
        for id in 1..=3 {
            let got: Vec<LspKey> = ix.with_association_id(id, from).collect();
            let want = search(&|_, e| groups_of(e).iter().any(|g| g.1 == id));
            checked[1] += want.len();
            assert_eq!(got, want, "step {step}: association {id}");
        }
        for pce in [me, peers[0], peers[1]] {
            let got: Vec<LspKey> = ix.computed_by(pce, from).collect();
            let want = search(&|_, e| computing_pce(e, Some(me)) == Some(pce));
            checked[2] += want.len();
            assert_eq!(got, want, "step {step}: computed by {pce}");
            if from.is_none() {
                assert_eq!(ix.count_computed_by(pce), want.len());
            }
        }
        let either = [None, Some(false), Some(true)];
        for d in either {
            for i in either {
                for w in either {
                    let got: Vec<LspKey> = ix.in_state(d, i, w, from).collect();
                    let want = search(&|_, e| {
                        let c = &e.control;
                        d.is_none_or(|d| d == c.delegated)
                            && i.is_none_or(|i| i == c.initiated)
                            && w.is_none_or(|w| w == (c.delegated && c.no_path))
                    });
                    checked[3] += want.len();
                    assert_eq!(got, want, "step {step}: state {d:?} {i:?} {w:?}");
                }
            }
        }
        let groups: BTreeSet<_> = v.iter().flat_map(|(_, e)| groups_of(e)).collect();
        let got: Vec<_> = ix.groups(None).map(|(g, m)| (*g, m.len())).collect();
        let want: Vec<_> = groups
            .iter()
            .map(|g| {
                (
                    *g,
                    v.iter().filter(|(_, e)| groups_of(e).contains(g)).count(),
                )
            })
            .collect();
        assert_eq!(got, want, "step {step}: groups");
        assert_eq!(ix.group_count(), groups.len());
    }
    // Every index had members to compare.
    assert!(checked.iter().all(|n| *n > 100), "{checked:?}");
}
