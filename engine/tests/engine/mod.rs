//! TED and solver tests.

mod api;
mod bgp_ls;
mod cli;
mod cspf;
mod disjoint;
mod input;
mod links;
mod lspdb;
mod pce;
mod pcreq;
mod placement;
mod reroute;
mod scenarios;
mod serve;
mod shell;
mod sr;
mod support;
mod sync;
mod topology;
