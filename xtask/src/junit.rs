//! Reading pytest's JUnit XML per suite, and writing the merged report (`--junit FILE`).
