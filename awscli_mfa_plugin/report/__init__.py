"""Stage 6, report: every sentence a person reads, and keeping secrets out of them."""
