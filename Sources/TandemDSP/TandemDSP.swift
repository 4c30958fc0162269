// Filled in by the TandemDSP issue work.
