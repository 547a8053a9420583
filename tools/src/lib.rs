//! Shared code of the project's tools.
