//! Migrate, release on confirm (issue 15): exits and repairs never drop the only copy.
