//! What the process tests share, included by each as
//! `#[path = "../support/mod.rs"] mod support;` (a test uses some of it).
#![allow(dead_code)]

pub(crate) mod blocking_pcc;
pub(crate) mod browser;
pub(crate) mod chaos_proxy;
pub(crate) mod cli;
pub(crate) mod free_port;
pub(crate) mod http;
pub(crate) mod metrics;
pub(crate) mod netns_lab;
pub(crate) mod pages;
pub(crate) mod pce_serve;
pub(crate) mod running;
pub(crate) mod sessions;
pub(crate) mod sse;
pub(crate) mod topology_a_pccs;
pub(crate) mod wait_json;
