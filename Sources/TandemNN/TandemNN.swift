// Filled in by the TandemNN issue work.
