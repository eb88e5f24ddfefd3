//! The commands built on a run: each returns values (never words or
//! files) that `plot/` draws and `report/` words. Lowest first: reading a
//! CRM export (`history`), fitting and replaying it (`calibrate`,
//! `backtest`), the grids and searches over a scenario (`sweep`,
//! `optimize`, `sensitivity`), splitting a run (`shard`), planning a pilot
//! (`power`), one replication's audit log (`trace`) and a scenario in words
//! (`describe`).

pub mod backtest;
pub mod calibrate;
pub mod decide;
pub mod describe;
pub mod fitting;
pub mod history;
pub mod optimize;
pub mod optimum;
pub mod power;
pub mod sensitivity;
pub mod shard;
pub mod sweep;
pub mod trace;
