//! Tests of the filter rules: the normaliser table, the PSL's own test file, the state machine.
