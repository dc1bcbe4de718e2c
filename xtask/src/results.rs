//! The result cache: a suite whose inputs are unchanged since it passed is not run again.
