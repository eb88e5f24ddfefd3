//! The scenario file: parsing (`raw`, `load`), distributions (`dist`) and
//! validation into the typed model (`validate`).

pub mod bundled;
mod checker;
pub mod data;
mod decision;
pub mod defaults;
pub mod dist;
pub mod errors;
mod leads;
pub mod limits;
pub mod load;
pub mod locate;
mod partners;
mod payout;
mod policy;
pub mod raw;
pub mod raw_dist;
pub mod raw_policy;
pub mod schema;
pub mod speed;
pub mod validate;
mod warnings;
pub mod week;
mod worlds;

pub use errors::{FieldError, FieldErrors, ScenarioError};
