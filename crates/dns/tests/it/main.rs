//! DNS agent integration tests.
